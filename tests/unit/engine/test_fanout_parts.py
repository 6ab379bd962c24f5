"""A reply to one Map iteration or Parallel branch rewrites a few small parts, however many
items or branches there are, and a Map leaves no parts behind."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.engine import (
    Decision,
    ExecutionState,
    RedriveRequested,
    StopRequested,
    TaskSucceeded,
)
from orchestrator.engine.contract import stored
from tests.unit.engine.engine_fakes import Driver

TASK = {"Type": "Task", "Resource": "rabbitmq:work.q", "End": True}


def map_of(items: int, concurrency: int) -> tuple[dict[str, Any], list[Any]]:
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": concurrency,
                "ItemProcessor": {"StartAt": "T", "States": {"T": TASK}},
                "End": True,
            }
        },
    }
    return definition, [{"i": i} for i in range(items)]


def parallel_of(branches: int) -> dict[str, Any]:
    return {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "T", "States": {"T": TASK}} for _ in range(branches)],
                "End": True,
            }
        },
    }


def reply_to_all(d: Driver) -> list[Decision]:
    """Answer every command (oldest first) until none is left; the decisions, in order."""
    waiting = list(d.last.commands)
    out = []
    while waiting:
        command = waiting.pop(0)
        decision = d.send(TaskSucceeded(command.token, {"ok": True}))
        out.append(decision)
        waiting.extend(decision.commands)
    return out


def footprint(decisions: list[Decision]) -> tuple[int, int]:
    """(most parts one decision touched, largest part one decision wrote, in bytes)."""
    touched = max(len(d.changed_parts) + len(d.removed_parts) for d in decisions)
    largest = max(len(json.dumps(v)) for d in decisions for v in d.changed_parts.values())
    return touched, largest


def test_a_map_reply_touches_the_same_few_small_parts_at_any_size() -> None:
    for concurrency in (0, 3):
        small = Driver(*map_of(10, concurrency))
        large = Driver(*map_of(120, concurrency))
        small_replies, large_replies = reply_to_all(small), reply_to_all(large)
        assert large_replies[-1].outcome is not None
        assert large_replies[-1].outcome.output == [{"ok": True}] * 120
        # The last reply ends the Map and writes its output once; every other is per item.
        small_touched, small_largest = footprint(small_replies[:-1])
        large_touched, large_largest = footprint(large_replies[:-1])
        assert large_touched == small_touched <= 10
        assert large_largest <= small_largest + 40  # longer numbers in ids and tokens only


def test_a_parallel_reply_touches_the_same_few_small_parts_at_any_width() -> None:
    narrow, wide = Driver(parallel_of(3), {}), Driver(parallel_of(40), {})
    narrow_replies, wide_replies = reply_to_all(narrow), reply_to_all(wide)
    assert wide_replies[-1].outcome is not None
    assert footprint(wide_replies[:-1])[0] == footprint(narrow_replies[:-1])[0]
    assert footprint(wide_replies[:-1])[1] <= footprint(narrow_replies[:-1])[1] + 40


def test_a_finished_map_leaves_only_the_core_the_input_and_the_root_thread() -> None:
    d = Driver(*map_of(5, 2))
    reply_to_all(d)
    assert sorted(d.state.parts) == ["core", "input", "thread:root"]


def test_a_failed_map_is_redriven_from_scratch_without_stale_parts() -> None:
    d = Driver(*map_of(4, 0))
    d.send(StopRequested())
    assert len(d.parts_named("thread:root/")) == 4  # aborted iterations stay until a redrive
    redriven = d.send(RedriveRequested())
    assert len(redriven.commands) == 4
    fresh = {c.token for c in redriven.commands}
    assert set(d.parts_named("token:")) == {f"token:{t}" for t in fresh}
    assert len(d.parts_named("thread:root/")) == 4
    reply_to_all(d)
    assert d.last.outcome is not None and d.last.outcome.status == "SUCCEEDED"
    assert sorted(d.state.parts) == ["core", "input", "thread:root"]


def test_the_shell_can_rebuild_the_state_from_the_changes_alone() -> None:
    d = Driver(*map_of(6, 2))
    decisions = [d.decisions[0], *reply_to_all(d)]
    rebuilt = ExecutionState.empty()
    for decision in decisions:
        rebuilt = stored(rebuilt, decision)
        assert rebuilt.parts == decision.state.parts
