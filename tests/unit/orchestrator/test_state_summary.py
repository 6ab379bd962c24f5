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
