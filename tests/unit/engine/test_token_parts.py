"""Where a task token's waiting thread is recorded: the root's in its own record, a child's in a
part of its own; either way a reply finds its thread and a stale one is ignored."""

from __future__ import annotations

import dataclasses

from orchestrator.engine import TaskSucceeded
from orchestrator.engine.api import ExecutionState
from orchestrator.engine.parts import PartMap
from orchestrator.engine.records import thread_key, token_key
from tests.unit.engine.engine_fakes import Driver

TASK = {"Type": "Task", "Resource": "rabbitmq:work.q"}


def two_tasks() -> dict[str, object]:
    return {
        "StartAt": "A",
        "States": {"A": {**TASK, "Next": "B"}, "B": {**TASK, "End": True}},
    }


def test_the_root_threads_token_writes_no_part_and_its_reply_is_applied() -> None:
    d = Driver(two_tasks(), {})
    first = d.command().token
    assert d.parts_named("token:") == {}
    assert d.state.parts[thread_key("root")]["token"] == first
    out = d.succeed({})
    assert out.closed_tokens == [first]
    assert d.parts_named("token:") == {}
    assert d.send(TaskSucceeded(first, {})).ignored == "unknown or stale task token"


def test_a_branchs_token_has_its_part_until_its_reply() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "T", "States": {"T": {**TASK, "End": True}}}],
            }
        },
    }
    d = Driver(definition, {})
    token = d.command().token
    assert list(d.parts_named("token:")) == [token_key(token)]
    out = d.succeed(1)
    assert out.outcome is not None and out.outcome.output == [1]
    assert d.parts_named("token:") == {}


def test_a_root_token_stored_as_a_part_before_is_still_found_and_removed() -> None:
    d = Driver(two_tasks(), {})
    token = d.command().token
    # The state as the engine wrote it before root tokens lived in the root's record.
    d.stored = ExecutionState(PartMap({**d.stored.parts, token_key(token): "root"}))
    d.decisions[-1] = dataclasses.replace(d.last, state=d.stored)
    out = d.succeed({})
    assert out.closed_tokens == [token]
    assert token_key(token) in out.removed_parts
