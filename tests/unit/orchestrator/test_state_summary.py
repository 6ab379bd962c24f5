"""The per-state summary read from a history: visits, attempts, caught and failed states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.state_summary import StateSummary

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def history(*events: tuple[str, dict[str, Any]], start: int = 1) -> list[dict[str, Any]]:
    return [
        {"event_id": i, "timestamp": T0 + timedelta(seconds=i), "type": kind, "details": details}
        for i, (kind, details) in enumerate(events, start=start)
    ]


def entered(kind: str, name: str, input: str = "{}") -> tuple[str, dict[str, Any]]:
    return (f"{kind}StateEntered", {"name": name, "input": input})


def exited(kind: str, name: str, output: str = "{}") -> tuple[str, dict[str, Any]]:
    return (f"{kind}StateExited", {"name": name, "output": output})


def test_a_retried_task_then_a_caught_failure_then_a_fail_state() -> None:
    summary = StateSummary()
    summary.add(
        history(
            ("ExecutionStarted", {}),
            entered("Task", "Charge", '{"n": 1}'),
            ("TaskScheduled", {}),
            ("TaskFailed", {"error": "Flaky"}),
            ("TaskScheduled", {}),
            ("TaskSucceeded", {}),
            exited("Task", "Charge", '{"ok": true}'),
            entered("Task", "Ship"),
            ("TaskScheduled", {}),
            ("TaskFailed", {"error": "AddressRejected", "cause": "BR"}),
            entered("Task", "Refund"),
            ("TaskScheduled", {}),
        )
    )
    states = summary.states()
    assert states["Charge"]["status"] == "RETRIED" and states["Charge"]["retries"] == 1
    assert states["Ship"]["status"] == "CAUGHT"
    assert states["Refund"]["status"] == "IN_PROGRESS"
    charge, ship, _ = summary.visits
    assert (charge.input, charge.output, charge.attempts) == ({"n": 1}, {"ok": True}, 2)
    assert (ship.error, ship.cause, ship.exited_at) == (
        "AddressRejected",
        "BR",
        T0 + timedelta(seconds=11),
    )

    summary.add(history(entered("Fail", "OrderFailed"), ("ExecutionFailed", {}), start=13))
    assert summary.states()["OrderFailed"]["status"] == "FAILED"
    assert summary.states()["Refund"]["status"] == "FAILED"
    assert summary.last_event_id == 14


def test_a_stopped_execution_leaves_its_open_states_aborted_and_a_redrive_reopens_them() -> None:
    summary = StateSummary()
    summary.add(
        history(
            ("ExecutionStarted", {}),
            entered("Task", "Wait"),
            ("TaskScheduled", {}),
            ("ExecutionAborted", {}),
            ("ExecutionRedriven", {}),
            entered("Task", "Wait"),
        )
    )
    first, second = summary.visits
    assert (first.status, second.status) == ("ABORTED", "IN_PROGRESS")
    assert summary.states()["Wait"] == {
        "visits": 2,
        "attempts": 2,
        "retries": 0,
        "status": "IN_PROGRESS",
        "lastVisit": 6,
    }


def test_a_choice_that_raised_and_was_caught() -> None:
    summary = StateSummary()
    summary.add(history(entered("Choice", "Pick"), entered("Pass", "Fallback")))
    assert summary.states()["Pick"]["status"] == "CAUGHT"


def linked(*events: tuple[str, dict[str, Any], int]) -> list[dict[str, Any]]:
    """Events with AWS's previousEventId links (each thread's events chained)."""
    return [
        {
            "event_id": i,
            "previous_event_id": previous,
            "timestamp": T0 + timedelta(seconds=i),
            "type": kind,
            "details": details,
        }
        for i, (kind, details, previous) in enumerate(events, start=1)
    ]


def test_a_catch_recorded_as_aws_does_exits_the_state_with_the_catchers_output() -> None:
    summary = StateSummary()
    summary.add(
        linked(
            ("ExecutionStarted", {}, 0),
            ("TaskStateEntered", {"name": "Ship", "input": "{}"}, 1),
            ("TaskScheduled", {}, 2),
            ("TaskStarted", {}, 3),
            ("TaskFailed", {"error": "AddressRejected"}, 4),
            ("TaskStateExited", {"name": "Ship", "output": '{"error": "x"}'}, 5),
            ("TaskStateEntered", {"name": "Release", "input": "{}"}, 6),
        )
    )
    ship, release = summary.visits
    assert (ship.status, ship.error, ship.output) == ("CAUGHT", "AddressRejected", {"error": "x"})
    assert release.status == "IN_PROGRESS"


def test_interleaved_iterations_are_told_apart_by_their_links() -> None:
    summary = StateSummary()
    summary.add(
        linked(
            ("MapStateEntered", {"name": "Each", "input": "[]"}, 0),
            ("MapIterationStarted", {"index": 0}, 1),
            ("TaskStateEntered", {"name": "Work", "input": "0"}, 2),
            ("MapIterationStarted", {"index": 1}, 1),
            ("TaskStateEntered", {"name": "Work", "input": "1"}, 4),
            ("TaskScheduled", {}, 3),  # iteration 0's, though iteration 1 entered last
            ("TaskScheduled", {}, 5),
            ("TaskFailed", {"error": "Boom"}, 6),
        )
    )
    first, second = (visit for visit in summary.visits if visit.name == "Work")
    assert (first.input, first.error, first.attempts) == (0, "Boom", 1)
    assert (second.input, second.error, second.attempts) == (1, None, 1)
