"""The execution read back from its history alone (what GET /orders/{id} uses)."""

from __future__ import annotations

from tests.unit.web.histories import History, failed_at_shipping, succeeded
from web.execution_of_history import execution_of_history


def test_a_succeeded_history_gives_status_input_output_and_dates() -> None:
    done, events = succeeded()
    found = execution_of_history(done.execution_id, events)
    assert found is not None
    assert (found.name, found.state_machine_name) == (done.name, "order-fulfillment")
    assert (found.status, found.input, found.output) == ("SUCCEEDED", done.input, done.output)
    assert found.start_date == events[0].timestamp
    assert found.stop_date == events[-1].timestamp
    assert (found.error, found.cause) == (None, None)


def test_a_failed_history_gives_the_error_and_cause() -> None:
    failed, events = failed_at_shipping()
    found = execution_of_history(failed.execution_id, events)
    assert found is not None
    assert (found.status, found.error, found.cause) == (
        "FAILED",
        "AddressRejected",
        "we do not ship to BR",
    )
    assert found.output is None


def test_a_redriven_execution_is_running_again() -> None:
    events = (
        History({"order_id": "o"})
        .task("ChargePayment", ("fail", "ServiceUnavailable"))
        .add("ExecutionFailed", error="ServiceUnavailable", cause="down")
        .add("ExecutionRedriven", redriveCount=1)
        .events
    )
    found = execution_of_history("order-fulfillment:o", events)
    assert found is not None
    assert (found.status, found.error, found.stop_date) == ("RUNNING", None, None)


def test_a_running_history_has_no_end() -> None:
    found = execution_of_history("order-fulfillment:o", History({"order_id": "o"}).events)
    assert found is not None
    assert (found.status, found.stop_date) == ("RUNNING", None)


def test_no_execution_started_is_none() -> None:
    assert execution_of_history("order-fulfillment:o", []) is None
