"""orchestrator.lifecycle: one log line per lifecycle event, derived from committed writes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from orchestrator import lifecycle
from orchestrator.engine import RedriveRequested, StopRequested
from orchestrator.engine.api import Decision, ExecutionState
from orchestrator.writes import About, WriteSet
from tests.unit.engine.engine_fakes import T0, Driver, FakeEntropy

WORKFLOW = Path(__file__).resolve().parents[3] / "orchestrator/workflows/order-fulfillment.asl.json"
ORDER = {
    "order_id": "ord-7",
    "total_cents": 4200,
    "currency": "EUR",
    "payment": {"token": "pay-tok"},
    "items": [{"sku": "book", "quantity": 2}],
    "shipping_address": {"city": "Lyon"},
}


def commit(saga: Driver, decision: Decision, state_name: str | None = None) -> None:
    """What the shell does after commit: report the decision's writes."""
    writes = WriteSet(saga.now)
    execution = writes.execution("order-fulfillment:ord-7", 0, ExecutionState.empty())
    execution.about = About.of("order-fulfillment", "ord-7", ORDER, T0)
    execution.state_name = state_name
    execution.add(decision)
    lifecycle.report(writes)


def lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "orchestrator.lifecycle"]


def test_each_lifecycle_event_is_one_line_with_its_fields(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    saga = Driver(json.loads(WORKFLOW.read_text()), ORDER, FakeEntropy())
    commit(saga, saga.last)
    commit(saga, saga.fail("ServiceUnavailable", "down"), "ChargePayment")
    commit(saga, saga.fire_next())
    commit(saga, saga.succeed({"payment_id": "pay-1"}), "ChargePayment")
    commit(saga, saga.fail("OutOfStock", "book: 0 left"), "HoldItems")
    commit(saga, saga.succeed({}), "RefundPayment")

    seen = [(r.event, r.state_name, r.getMessage()) for r in lines(caplog)]  # type: ignore[attr-defined]
    assert seen == [
        ("started", None, "execution started"),
        ("scheduled", "ChargePayment", "task scheduled on payment.commands, attempt 1"),
        ("retried", "ChargePayment", "task failed with ServiceUnavailable; retrying in 0.50s"),
        ("scheduled", "ChargePayment", "task scheduled on payment.commands, attempt 2"),
        ("scheduled", "HoldItems", "task scheduled on inventory.commands, attempt 1"),
        ("caught", "HoldItems", "caught OutOfStock: book: 0 left"),
        ("scheduled", "RefundPayment", "task scheduled on payment.commands, attempt 1"),
        ("failed", "OrderFailed", "execution failed: OutOfStock"),
    ]
    for record in lines(caplog):
        assert record.execution_id == "order-fulfillment:ord-7"  # type: ignore[attr-defined]
        assert record.order_id == "ord-7"  # type: ignore[attr-defined]
        assert "pay-tok" not in record.getMessage()


def test_stop_and_redrive_are_logged_and_the_duration_observed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    saga = Driver(json.loads(WORKFLOW.read_text()), ORDER, FakeEntropy())
    labels = {"state_machine": "order-fulfillment", "status": "ABORTED"}
    before = REGISTRY.get_sample_value("orchestrator_execution_duration_seconds_count", labels)
    commit(saga, saga.send(StopRequested("Stopped", "by hand")))
    commit(saga, saga.send(RedriveRequested()))
    events = [r.event for r in lines(caplog)]  # type: ignore[attr-defined]
    assert events == ["stopped", "redriven", "scheduled"]
    after = REGISTRY.get_sample_value("orchestrator_execution_duration_seconds_count", labels)
    assert (after or 0) - (before or 0) == 1


def test_nothing_is_formatted_when_info_is_off(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    saga = Driver(json.loads(WORKFLOW.read_text()), ORDER, FakeEntropy())
    commit(saga, saga.last)
    assert lines(caplog) == []


def test_states_entered_are_debug_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="orchestrator.lifecycle")
    saga = Driver(json.loads(WORKFLOW.read_text()), ORDER, FakeEntropy())
    commit(saga, saga.last)
    entered = [r for r in lines(caplog) if r.levelno == logging.DEBUG]
    assert [r.state_name for r in entered] == ["ChargePayment"]  # type: ignore[attr-defined]
