"""The pure projection of an execution and its history into the order's view."""

from __future__ import annotations

import json

from tests.unit.web.histories import (
    HOLD,
    PAYMENT,
    START,
    History,
    execution,
    failed_at_shipping,
    succeeded,
)
from web.order_view import order_status, order_summary, order_view
from web.schemas import OrderView


def _steps(view: OrderView) -> list[tuple[str, str]]:
    return [(step.name, step.status) for step in view.steps]


def test_status_mapping() -> None:
    assert order_status("RUNNING") == "PROCESSING"
    assert order_status("SUCCEEDED") == "COMPLETED"
    for status in ("FAILED", "TIMED_OUT", "ABORTED"):
        assert order_status(status) == "FAILED"


def test_running_order_shows_the_steps_so_far() -> None:
    history = History().task("ChargePayment", ("ok", PAYMENT))
    history.add("TaskStateEntered", name="HoldItems", input={}).scheduled()
    view = order_view(execution("RUNNING"), history.events)
    assert view.status == "PROCESSING"
    assert _steps(view) == [("ChargePayment", "SUCCEEDED"), ("HoldItems", "RUNNING")]
    assert view.payment_id == "pay_123"
    assert view.tracking_number is None
    assert view.failure is None
    assert view.finished_at is None
    assert view.created_at == START
    assert view.total_cents == 3998 and view.currency == "EUR"
    assert [line.sku for line in view.items] == ["TEE"]


def test_running_order_just_started_has_no_steps() -> None:
    view = order_view(execution("RUNNING"), History().events)
    assert view.steps == [] and view.status == "PROCESSING"


def test_failed_attempt_awaiting_retry_is_retrying() -> None:
    history = History().task("ChargePayment", ("fail", "ServiceUnavailable"), exit_=False)
    view = order_view(execution("RUNNING"), history.events)
    assert _steps(view) == [("ChargePayment", "RETRYING")]
    assert view.failure is None


def test_retry_attempt_in_flight_is_retrying() -> None:
    history = History().task("ChargePayment", ("timeout", None), exit_=False).scheduled()
    view = order_view(execution("RUNNING"), history.events)
    assert _steps(view) == [("ChargePayment", "RETRYING")]


def test_retried_then_succeeded_is_succeeded() -> None:
    history = History().task(
        "ChargePayment", ("fail", "ServiceUnavailable"), ("timeout", None), ("ok", PAYMENT)
    )
    view = order_view(execution("RUNNING"), history.events)
    assert _steps(view) == [("ChargePayment", "SUCCEEDED")]


def test_succeeded_order() -> None:
    view = order_view(*succeeded())
    assert view.status == "COMPLETED"
    assert _steps(view) == [
        ("ChargePayment", "SUCCEEDED"),
        ("HoldItems", "SUCCEEDED"),
        ("ShipOrder", "SUCCEEDED"),
        ("OrderCompleted", "SUCCEEDED"),
    ]
    assert view.payment_id == "pay_123"
    assert view.tracking_number == "TRK-42"
    assert view.failure is None
    assert view.finished_at is not None and view.finished_at > START


def test_results_are_read_from_task_output_sent_as_json_text() -> None:
    history = (
        History()
        .task("ChargePayment", ("ok", json.dumps({"payment_id": "pay_text"})))
        .task("HoldItems", ("ok", json.dumps(HOLD)))
        .task("ShipOrder", ("ok", json.dumps({"tracking_number": "TRK-text"})))
    )
    view = order_view(execution("RUNNING"), history.events)
    assert (view.payment_id, view.tracking_number) == ("pay_text", "TRK-text")


def test_results_fall_back_to_the_execution_output() -> None:
    output = json.dumps({"payment_id": "pay_out", "tracking_number": "TRK-out"})
    view = order_view(execution("SUCCEEDED", output=output), [])
    assert (view.payment_id, view.tracking_number) == ("pay_out", "TRK-out")


def test_failed_order_shows_the_compensation_and_the_reason() -> None:
    view = order_view(*failed_at_shipping())
    assert view.status == "FAILED"
    assert _steps(view) == [
        ("ChargePayment", "SUCCEEDED"),
        ("HoldItems", "SUCCEEDED"),
        ("ShipOrder", "FAILED"),
        ("ReleaseHold", "SUCCEEDED"),
        ("RefundPayment", "SUCCEEDED"),
        ("OrderFailed", "FAILED"),
    ]
    assert view.failure is not None
    assert (view.failure.error, view.failure.cause) == ("AddressRejected", "we do not ship to BR")
    assert view.payment_id == "pay_123"
    assert view.tracking_number is None


def test_payment_declined_goes_straight_to_order_failed() -> None:
    history = (
        History()
        .task("ChargePayment", ("fail", "PaymentDeclined"))
        .add("FailStateEntered", name="OrderFailed", input={})
        .add("ExecutionFailed", error="PaymentDeclined", cause="card declined")
    )
    view = order_view(
        execution("FAILED", error="PaymentDeclined", cause="card declined"), history.events
    )
    assert _steps(view) == [("ChargePayment", "FAILED"), ("OrderFailed", "FAILED")]
    assert view.payment_id is None
    assert view.failure is not None and view.failure.error == "PaymentDeclined"


def test_failure_falls_back_to_the_execution_failed_event() -> None:
    history = History().add("ExecutionFailed", error="States.Runtime", cause="bad path")
    view = order_view(execution("FAILED"), history.events)
    assert view.failure is not None
    assert (view.failure.error, view.failure.cause) == ("States.Runtime", "bad path")


def test_timed_out_order_fails_its_open_step() -> None:
    history = History().task("ChargePayment", ("ok", PAYMENT))
    history.add("TaskStateEntered", name="HoldItems", input={}).scheduled()
    history.add("ExecutionTimedOut")
    view = order_view(execution("TIMED_OUT"), history.events)
    assert view.status == "FAILED"
    assert _steps(view) == [("ChargePayment", "SUCCEEDED"), ("HoldItems", "FAILED")]
    assert view.failure is not None and view.failure.error == "States.Timeout"


def test_aborted_order_has_a_failure() -> None:
    view = order_view(execution("ABORTED"), History().events)
    assert view.status == "FAILED"
    assert view.failure is not None and view.failure.error == "ExecutionAborted"


def test_summary_reads_the_input_and_the_dates() -> None:
    done, _ = succeeded()
    summary = order_summary(done)
    assert summary.order_id == done.name
    assert summary.status == "COMPLETED"
    assert (summary.total_cents, summary.currency) == (3998, "EUR")
    assert summary.created_at == START
    assert summary.finished_at == done.stop_date


def test_steps_count_attempts_and_carry_their_times() -> None:
    view = order_view(*failed_at_shipping())
    attempts = {step.name: step.attempts for step in view.steps}
    assert attempts == {
        "ChargePayment": 1,
        "HoldItems": 1,
        "ShipOrder": 1,
        "ReleaseHold": 1,
        "RefundPayment": 2,
        "OrderFailed": 0,
    }
    charge = view.steps[0]
    assert charge.entered_at is not None and charge.exited_at is not None
    assert START < charge.entered_at < charge.exited_at
    # A Fail state is entered and never exited.
    assert view.steps[-1].exited_at is None
    assert view.execution_id == f"order-fulfillment:{view.order_id}"


def test_a_running_step_has_no_exit_time_yet() -> None:
    history = History().task("ChargePayment", ("fail", "ServiceUnavailable"), exit_=False)
    history.scheduled()
    (step,) = order_view(execution("RUNNING"), history.events).steps
    assert (step.status, step.attempts, step.exited_at) == ("RETRYING", 2, None)
