"""Task replies, retries, catchers, timeouts, heartbeats, stop and redrive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orchestrator.engine import (
    RedriveRequested,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
)
from tests.unit.engine.engine_fakes import Driver, FakeEntropy


def task(**extra: Any) -> dict[str, Any]:
    body = {"Type": "Task", "Resource": "rabbitmq:work.q", "End": True}
    body.update(extra)
    return {"StartAt": "Work", "States": {"Work": body}}


def test_result_selector_result_path_output_path() -> None:
    d = Driver(
        task(
            InputPath="$.in",
            Parameters={"x.$": "$.x", "const": 1, "token.$": "$$.Task.Token"},
            ResultSelector={"total.$": "$.sum"},
            ResultPath="$.res",
            OutputPath="$.res",
        ),
        {"in": {"x": 5}, "other": True},
    )
    cmd = d.command()
    assert cmd.payload == {"x": 5, "const": 1, "token": cmd.token}
    out = d.succeed({"sum": 7, "noise": "dropped"})
    assert out.outcome is not None
    assert out.outcome.output == {"total": 7}


def test_a_task_without_timeout_seconds_sets_no_timer_and_reports_aws_default() -> None:
    d = Driver(task(), {})
    scheduled = [e for e in d.last.history if e.type == "TaskScheduled"]
    assert scheduled[0].details["timeoutInSeconds"] == 99999999
    assert d.last.timers == []


def test_a_task_with_timeout_seconds_sets_its_timer() -> None:
    d = Driver(task(TimeoutSeconds=30), {})
    assert [t.timer_id for t in d.last.timers] == [f"{d.command().token}:timeout"]


def test_result_path_null_keeps_input() -> None:
    d = Driver(task(ResultPath=None), {"a": 1})
    out = d.succeed({"b": 2})
    assert out.outcome is not None
    assert out.outcome.output == {"a": 1}


def test_result_path_that_cannot_apply_fails_with_match_failure() -> None:
    d = Driver(task(ResultPath="$.a.b"), {"a": "text"})
    out = d.succeed({"b": 2})
    assert out.outcome is not None
    assert out.outcome.error == "States.ResultPathMatchFailure"


def test_retry_backoff_without_jitter_is_exponential_and_capped() -> None:
    retry = [
        {
            "ErrorEquals": ["Flaky"],
            "IntervalSeconds": 2,
            "BackoffRate": 3.0,
            "MaxAttempts": 4,
            "MaxDelaySeconds": 10,
        }
    ]
    d = Driver(task(Retry=retry), {})
    delays = []
    for _ in range(4):
        out = d.fail("Flaky")
        (timer,) = out.timers
        delays.append((timer.due_at - d.now).total_seconds())
        d.fire(timer.timer_id)
    assert delays == [2, 6, 10, 10]
    assert d.command().attempt == 4
    out = d.fail("Flaky", "still")
    assert out.outcome is not None
    assert (out.outcome.status, out.outcome.error, out.outcome.cause) == (
        "FAILED",
        "Flaky",
        "still",
    )


def test_full_jitter_draws_from_entropy() -> None:
    entropy = FakeEntropy(fraction=0.25)
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "JitterStrategy": "FULL"}]
    d = Driver(task(Retry=retry), {}, entropy)
    (timer,) = d.fail("Any").timers
    assert timer.due_at - d.now == timedelta(seconds=1)
    assert entropy.uniform_calls == [(0, 4.0)]


def test_max_attempts_zero_never_retries_and_falls_to_catch() -> None:
    d = Driver(
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": "rabbitmq:q",
                    "Next": "Done",
                    "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 0}],
                    "Catch": [{"ErrorEquals": ["E"], "Next": "Handled", "ResultPath": "$.err"}],
                },
                "Done": {"Type": "Succeed"},
                "Handled": {"Type": "Pass", "End": True},
            },
        },
        {"keep": 1},
    )
    out = d.fail("E", "why")
    assert out.outcome is not None
    assert out.outcome.output == {"keep": 1, "err": {"Error": "E", "Cause": "why"}}


def test_first_matching_retrier_wins_and_is_not_skipped_when_exhausted() -> None:
    retry = [
        {"ErrorEquals": ["E"], "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5},
    ]
    d = Driver(task(Retry=retry), {})
    d.fire(d.fail("E").timers[0].timer_id)
    out = d.fail("E")
    assert out.outcome is not None
    assert out.outcome.status == "FAILED"


def test_states_all_does_not_catch_runtime_errors() -> None:
    d = Driver(
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": "rabbitmq:q",
                    "End": True,
                    "OutputPath": "$.missing",
                    "Retry": [{"ErrorEquals": ["States.ALL"]}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                },
                "Handled": {"Type": "Pass", "End": True},
            },
        },
        {},
    )
    out = d.succeed({"a": 1})
    assert out.outcome is not None
    assert out.outcome.error == "States.Runtime"
    assert "Invalid path '$.missing'" in (out.outcome.cause or "")


def test_heartbeat_moves_the_timer_and_its_expiry_is_a_heartbeat_timeout() -> None:
    d = Driver(task(TimeoutSeconds=100, HeartbeatSeconds=10), {})
    token = d.command().token
    assert {t.timer_id for t in d.last.timers} == {f"{token}:timeout", f"{token}:heartbeat"}
    d.now += timedelta(seconds=8)
    beat = d.send(TaskHeartbeat(token))
    assert beat.ignored is None
    assert [(t.timer_id, t.due_at - d.now) for t in beat.timers] == [
        (f"{token}:heartbeat", timedelta(seconds=10))
    ]
    out = d.fire(f"{token}:heartbeat")
    assert out.outcome is not None
    assert out.outcome.error == "States.HeartbeatTimeout"
    assert out.closed_tokens == [token]
    assert out.cancel_timers == [f"{token}:timeout"]


def test_stale_token_and_stale_timer_are_ignored_and_change_nothing() -> None:
    d = Driver(task(Retry=[{"ErrorEquals": ["E"]}]), {})
    first = d.command().token
    d.fire(d.fail("E").timers[0].timer_id)
    before = d.state
    for event in (
        TaskSucceeded(first, 1),
        TaskFailed(first, "E", None),
        TaskHeartbeat(first),
        TaskSucceeded("never-issued", 1),
    ):
        ignored = d.send(event)
        assert ignored.ignored
        assert ignored.state == before
        assert ignored.history == [] and ignored.commands == []
    from orchestrator.engine import TimerFired

    assert d.send(TimerFired(f"{first}:timeout")).ignored


def test_stop_aborts_closes_tokens_and_cancels_timers() -> None:
    d = Driver(task(TimeoutSeconds=60, HeartbeatSeconds=5), {})
    token = d.command().token
    out = d.send(StopRequested("Stopped", "by operator"))
    assert out.outcome is not None
    assert (out.outcome.status, out.outcome.error) == ("ABORTED", "Stopped")
    assert out.closed_tokens == [token]
    assert set(out.cancel_timers) == {f"{token}:timeout", f"{token}:heartbeat"}
    assert [h.type for h in out.history] == ["ExecutionAborted"]
    assert d.send(TaskSucceeded(token, {})).ignored


def test_redrive_resumes_the_failed_state_with_its_input() -> None:
    d = Driver(
        {
            "StartAt": "Prep",
            "States": {
                "Prep": {
                    "Type": "Pass",
                    "Result": {"n": 1},
                    "ResultPath": "$.prep",
                    "Next": "Work",
                },
                "Work": {
                    "Type": "Task",
                    "Resource": "rabbitmq:q",
                    "End": True,
                    "Parameters": {"n.$": "$.prep.n"},
                },
            },
        },
        {"x": 0},
    )
    first = d.command()
    failed = d.fail("Boom", "bad")
    assert failed.outcome is not None and failed.outcome.status == "FAILED"
    assert d.send(RedriveRequested()).ignored is None
    redriven = d.last
    assert [h.type for h in redriven.history][:2] == ["ExecutionRedriven", "TaskStateEntered"]
    second = d.command()
    assert second.token != first.token
    assert second.payload == {"n": 1}
    out = d.succeed("ok")
    assert out.outcome is not None
    assert out.outcome.status == "SUCCEEDED"
    assert out.outcome.output == "ok"
    # Only a terminal execution can be redriven.
    assert d.send(RedriveRequested()).ignored


def test_redrive_of_running_execution_is_ignored() -> None:
    d = Driver(task(), {})
    assert d.send(RedriveRequested()).ignored


def test_redrive_after_stop() -> None:
    d = Driver(task(), {"a": 1})
    d.send(StopRequested())
    d.send(RedriveRequested())
    assert d.command().payload == {"a": 1}
    out = d.succeed(2)
    assert out.outcome is not None and out.outcome.output == 2


@pytest.mark.parametrize("error", [None, "Custom"])
def test_task_failed_without_catch_fails_execution(error: str | None) -> None:
    d = Driver(task(), {})
    out = d.fail(error, "cause text")
    assert out.outcome is not None
    assert (out.outcome.status, out.outcome.error, out.outcome.cause) == (
        "FAILED",
        error,
        "cause text",
    )


def test_states_task_failed_matches_any_error_but_timeout() -> None:
    catch = [{"ErrorEquals": ["States.TaskFailed"], "Next": "Handled"}]
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": "rabbitmq:q",
                "TimeoutSeconds": 60,
                "End": True,
                "Catch": catch,
            },
            "Handled": {"Type": "Pass", "Result": "handled", "End": True},
        },
    }
    d = Driver(definition, {})
    out = d.fail("Anything")
    assert out.outcome is not None and out.outcome.output == "handled"
    d = Driver(definition, {})
    out = d.fire(f"{d.command().token}:timeout")
    assert out.outcome is not None and out.outcome.error == "States.Timeout"
