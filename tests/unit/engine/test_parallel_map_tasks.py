"""Tasks inside Parallel branches and Map iterations fan out and wait independently."""

from __future__ import annotations

from typing import Any

from orchestrator.engine import StopRequested, TaskFailed, TaskSucceeded
from tests.unit.engine.engine_fakes import Driver

TASK = {"Type": "Task", "Resource": "rabbitmq:work.q", "End": True}


def parallel(*branches: dict[str, Any], **extra: Any) -> dict[str, Any]:
    state = {
        "Type": "Parallel",
        "End": True,
        "Branches": [{"StartAt": "T", "States": {"T": b}} for b in branches],
    }
    state.update(extra)
    return {"StartAt": "Par", "States": {"Par": state}}


def test_parallel_branches_each_issue_a_command_and_results_keep_branch_order() -> None:
    d = Driver(parallel(dict(TASK, Parameters={"b": 0}), dict(TASK, Parameters={"b": 1})), {})
    first, second = d.last.commands
    assert (first.payload, second.payload) == ({"b": 0}, {"b": 1})
    assert first.token != second.token
    # Reply to the second branch first.
    assert d.send(TaskSucceeded(second.token, "two")).outcome is None
    out = d.send(TaskSucceeded(first.token, "one"))
    assert out.outcome is not None
    assert out.outcome.output == ["one", "two"]


def test_a_failed_branch_stops_the_others_and_can_be_caught() -> None:
    timed = dict(TASK, TimeoutSeconds=60)  # a timer the failed branch's sibling must cancel
    definition = parallel(
        timed, timed, Next="Handled", Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]
    )
    del definition["States"]["Par"]["End"]
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    d = Driver(definition, {})
    first, second = d.last.commands
    out = d.send(TaskFailed(first.token, "Boom", "first failed"))
    assert second.token in out.closed_tokens
    assert f"{second.token}:timeout" in out.cancel_timers
    assert out.outcome is not None
    assert out.outcome.output == {"Error": "Boom", "Cause": "first failed"}
    assert d.send(TaskSucceeded(second.token, 1)).ignored


def test_map_respects_max_concurrency_and_orders_results_by_index() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemSelector": {"n.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"StartAt": "T", "States": {"T": TASK}},
            }
        },
    }
    d = Driver(definition, {"items": ["a", "b", "c"]})
    assert [c.payload for c in d.last.commands] == [{"n": "a", "i": 0}, {"n": "b", "i": 1}]
    first, second = d.last.commands
    out = d.send(TaskSucceeded(second.token, "B"))
    (third,) = out.commands
    assert third.payload == {"n": "c", "i": 2}
    d.send(TaskSucceeded(third.token, "C"))
    out = d.send(TaskSucceeded(first.token, "A"))
    assert out.outcome is not None
    assert out.outcome.output == ["A", "B", "C"]


def test_retry_inside_a_map_iteration_reissues_only_that_task() -> None:
    task = dict(TASK, Retry=[{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3}])
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "T", "States": {"T": task}},
            }
        },
    }
    d = Driver(definition, [1, 2])
    one, two = d.last.commands
    out = d.send(TaskFailed(one.token, "Flaky", None))
    (timer,) = out.timers
    out = d.fire(timer.timer_id)
    (again,) = out.commands
    assert again.payload == 1 and again.attempt == 1
    d.send(TaskSucceeded(two.token, "two"))
    out = d.send(TaskSucceeded(again.token, "one"))
    assert out.outcome is not None and out.outcome.output == ["one", "two"]


def test_tolerated_failures_let_the_map_succeed() -> None:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ToleratedFailureCount": 1,
                "ItemProcessor": {"StartAt": "T", "States": {"T": TASK}},
            }
        },
    }
    d = Driver(definition, [1, 2])
    one, two = d.last.commands
    d.send(TaskFailed(one.token, "E", "c"))
    out = d.send(TaskSucceeded(two.token, 2))
    assert out.outcome is not None and out.outcome.status == "SUCCEEDED"
    assert out.outcome.output == [{"Error": "E", "Cause": "c"}, 2]


def test_stop_closes_every_branch_token() -> None:
    d = Driver(parallel(TASK, TASK, TASK), {})
    tokens = {c.token for c in d.last.commands}
    out = d.send(StopRequested())
    assert set(out.closed_tokens) == tokens
    assert out.outcome is not None and out.outcome.status == "ABORTED"
    assert d.parts_named("token:") == {} and d.parts_named("timer:") == {}
