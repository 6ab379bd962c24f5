"""The shipped order saga, driven event by event through the pure engine."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine import TaskFailed, TaskSucceeded, TimerFired
from tests.unit.engine.engine_fakes import T0, Driver, FakeEntropy

WORKFLOW = Path(__file__).resolve().parents[3] / "orchestrator/workflows/order-fulfillment.asl.json"


def order() -> dict[str, Any]:
    return {
        "order_id": "ord-1",
        "total_cents": 4200,
        "currency": "EUR",
        "payment": {"token": "pay-tok"},
        "items": [{"sku": "book", "quantity": 2}],
        "shipping_address": {"city": "Lyon"},
    }


@pytest.fixture
def saga() -> Driver:
    return Driver(json.loads(WORKFLOW.read_text()), order(), FakeEntropy())


def test_happy_path_charges_holds_ships_and_succeeds(saga: Driver) -> None:
    charge = saga.command()
    assert charge.queue == "payment.commands"
    assert charge.state_name == "ChargePayment"
    assert charge.attempt == 0
    assert charge.payload == {
        "type": "ChargePayment",
        "taskToken": charge.token,
        "order_id": "ord-1",
        "amount_cents": 4200,
        "currency": "EUR",
        "payment_token": "pay-tok",
    }
    assert [t.timer_id for t in saga.last.timers] == [f"{charge.token}:timeout"]
    assert saga.last.timers[0].due_at == T0 + timedelta(seconds=30)

    d = saga.succeed({"payment_id": "pay-1"})
    assert d.closed_tokens == [charge.token]
    assert d.cancel_timers == [f"{charge.token}:timeout"]
    hold = saga.command()
    assert hold.queue == "inventory.commands"
    assert hold.payload == {
        "type": "HoldItems",
        "taskToken": hold.token,
        "order_id": "ord-1",
        "items": [{"sku": "book", "quantity": 2}],
    }
    saga.succeed({"hold_id": "hold-1"})
    ship = saga.command()
    assert ship.queue == "shipping.commands"
    assert ship.payload["address"] == {"city": "Lyon"}
    d = saga.succeed({"shipment_id": "shp-1", "tracking_number": "TRK"})

    assert d.outcome is not None
    assert d.outcome.status == "SUCCEEDED"
    assert d.outcome.output == {
        "order_id": "ord-1",
        "payment_id": "pay-1",
        "hold_id": "hold-1",
        "shipment_id": "shp-1",
        "tracking_number": "TRK",
    }
    assert d.commands == []
    types = saga.history_types()
    assert types[0] == "ExecutionStarted"
    assert types[-3:] == ["PassStateEntered", "PassStateExited", "ExecutionSucceeded"]
    assert types.count("TaskScheduled") == 3
    assert saga.parts_named("token:") == {}
    assert saga.parts_named("timer:") == {}


def test_payment_declined_fails_the_order_without_compensation(saga: Driver) -> None:
    d = saga.fail("PaymentDeclined", "card refused")
    assert d.commands == []
    assert d.outcome is not None
    assert d.outcome.status == "FAILED"
    assert d.outcome.error == "PaymentDeclined"
    assert d.outcome.cause == "card refused"
    # A caught error leaves the Task (TaskStateExited with the catcher's output), as AWS writes it.
    assert [h.type for h in d.history] == [
        "TaskFailed",
        "TaskStateExited",
        "FailStateEntered",
        "ExecutionFailed",
    ]


def test_out_of_stock_refunds_then_fails(saga: Driver) -> None:
    saga.succeed({"payment_id": "pay-1"})
    d = saga.fail("OutOfStock", "book: 0 left")
    refund = saga.command()
    assert refund.state_name == "RefundPayment"
    assert refund.payload == {
        "type": "RefundPayment",
        "taskToken": refund.token,
        "order_id": "ord-1",
    }
    assert d.outcome is None
    d = saga.succeed({"refund_id": "r-1"})
    assert d.outcome is not None
    assert (d.outcome.status, d.outcome.error, d.outcome.cause) == (
        "FAILED",
        "OutOfStock",
        "book: 0 left",
    )


def test_address_rejected_releases_hold_then_refunds_then_fails(saga: Driver) -> None:
    saga.succeed({"payment_id": "pay-1"})
    saga.succeed({"hold_id": "hold-1"})
    saga.fail("AddressRejected", "no such street")
    release = saga.command()
    assert release.state_name == "ReleaseHold"
    assert release.queue == "inventory.commands"
    saga.succeed({"released": True})
    refund = saga.command()
    assert refund.state_name == "RefundPayment"
    d = saga.succeed({})
    assert d.outcome is not None
    assert (d.outcome.status, d.outcome.error, d.outcome.cause) == (
        "FAILED",
        "AddressRejected",
        "no such street",
    )
    states = [
        h.details["name"]
        for dd in saga.decisions
        for h in dd.history
        if h.type == "TaskStateEntered"
    ]
    assert states == ["ChargePayment", "HoldItems", "ShipOrder", "ReleaseHold", "RefundPayment"]


def test_timeout_retries_with_a_new_token_and_next_attempt(saga: Driver) -> None:
    first = saga.command()
    d = saga.fire(f"{first.token}:timeout")
    assert d.closed_tokens == [first.token]
    assert d.commands == []
    assert [h.type for h in d.history] == ["TaskTimedOut"]
    assert d.history[0].details["error"] == "States.Timeout"
    (backoff,) = d.timers
    # IntervalSeconds 1, FULL jitter with the fake's midpoint draw: 0.5 s.
    assert backoff.due_at == saga.now + timedelta(seconds=0.5)
    assert saga.entropy.uniform_calls == [(0, 1.0)]

    d = saga.fire(backoff.timer_id)
    second = saga.command()
    assert second.token != first.token
    assert second.attempt == 1
    assert second.payload["taskToken"] == second.token

    # The old token's reply is stale now.
    stale = saga.send(TaskSucceeded(first.token, {"payment_id": "late"}))
    assert stale.ignored is not None
    assert stale.state == saga.state

    saga.succeed({"payment_id": "pay-1"})
    assert saga.command().state_name == "HoldItems"


def test_timeouts_exhaust_retries_then_compensate(saga: Driver) -> None:
    delays = []
    for attempt in range(4):
        cmd = saga.command()
        assert cmd.attempt == attempt
        d = saga.fire(f"{cmd.token}:timeout")
        if attempt < 3:
            (backoff,) = d.timers
            delays.append((backoff.due_at - saga.now).total_seconds())
            saga.fire(backoff.timer_id)
    # Caught by States.ALL -> RefundPayment (compensation), error kept at $.error.
    refund = saga.command()
    assert refund.state_name == "RefundPayment"
    # 1 * 2**n, capped at 10, halved by the fake's jitter.
    assert delays == [0.5, 1.0, 2.0]
    d = saga.succeed({})
    assert d.outcome is not None
    assert d.outcome.error == "States.Timeout"


def test_service_unavailable_is_retried_but_other_errors_are_not(saga: Driver) -> None:
    d = saga.fail("ServiceUnavailable", "down")
    assert d.commands == []
    assert len(d.timers) == 1
    saga.fire_next()
    assert saga.command().attempt == 1
    saga.fail("Boom", "unexpected")
    assert saga.command().state_name == "RefundPayment"


def test_unknown_timer_and_events_after_the_end_are_ignored(saga: Driver) -> None:
    assert saga.send(TimerFired("nope")).ignored
    saga.fail("PaymentDeclined", "x")
    assert saga.send(TaskFailed("whatever", "E", "C")).ignored
