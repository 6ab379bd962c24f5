"""WriteSet folds a batch's decisions into one statement's rows, netting what it did and undid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orchestrator.engine.api import (
    Decision,
    ExecutionState,
    HistoryEvent,
    Outcome,
    TaskCommand,
    TimerRequest,
)
from orchestrator.writes import WriteSet

NOW = datetime(2026, 11, 29, tzinfo=UTC)
# Positions of WriteSet.arguments(), as numbered in orchestrator.statements ($n is index n-1).
HISTORY_IDS, HISTORY_PREVIOUS, CLOSED, TOKENS, TOKENS_CLOSED_AT = 2, 5, 6, 7, 11
CANCEL_IDS, SET_IDS, OUTBOX_IDS = 13, 15, 19
PART_KEYS, GONE_KEYS, EVENT_COUNTS, STATUSES = 31, 34, 36, 37


def command(token: str) -> TaskCommand:
    return TaskCommand(token, "q", {"t": token}, "S", 0)


def decision(**kwargs: object) -> Decision:
    return Decision(state=ExecutionState.empty(), **kwargs)  # type: ignore[arg-type]


def test_history_is_numbered_on_from_the_stored_count() -> None:
    writes = WriteSet(NOW)
    execution = writes.execution("e", 4, ExecutionState.empty())
    execution.add(decision(history=[HistoryEvent("A"), HistoryEvent("B")]))
    execution.add(decision(history=[HistoryEvent("C")]))
    args = writes.arguments()
    assert args[HISTORY_IDS] == [5, 6, 7]
    assert args[EVENT_COUNTS] == [7]


def test_history_carries_the_engines_previous_event_ids() -> None:
    writes = WriteSet(NOW)
    execution = writes.execution("e", 2, ExecutionState.empty())
    execution.add(decision(history=[HistoryEvent("A", previous_event_id=1), HistoryEvent("B")]))
    args = writes.arguments()
    # None: the statement links the event to the one before it.
    assert args[HISTORY_PREVIOUS] == [1, None]


def test_a_token_issued_and_closed_in_one_batch_is_stored_closed_and_never_published() -> None:
    writes = WriteSet(NOW)
    execution = writes.execution("e", 0, ExecutionState.empty())
    execution.add(decision(commands=[command("t1"), command("t2")]))
    execution.add(decision(closed_tokens=["t1", "old"]))
    args = writes.arguments()
    assert args[TOKENS] == ["t1", "t2"]
    assert args[TOKENS_CLOSED_AT] == [NOW, None]
    assert args[CLOSED] == ["old"]
    assert args[OUTBOX_IDS] == ["t2"]
    assert [c.token for _, c in writes.commands()] == ["t2"]


def test_the_last_word_on_a_timer_wins() -> None:
    writes = WriteSet(NOW)
    execution = writes.execution("e", 0, ExecutionState.empty())
    due = NOW + timedelta(seconds=30)
    execution.add(decision(timers=[TimerRequest("a", due), TimerRequest("b", due)]))
    execution.add(decision(cancel_timers=["a"], timers=[TimerRequest("c", due)]))
    execution.add(decision(cancel_timers=["c"], timers=[TimerRequest("c", due)]))
    args = writes.arguments()
    assert sorted(args[SET_IDS]) == ["b", "c"]
    assert args[CANCEL_IDS] == ["a"]


def test_parts_changed_then_removed_are_only_removed_and_vice_versa() -> None:
    writes = WriteSet(NOW)
    execution = writes.execution("e", 0, ExecutionState.empty())
    execution.add(decision(changed_parts={"x": 1, "y": 2}))
    execution.add(decision(changed_parts={"z": 3}, removed_parts=frozenset({"x"})))
    execution.add(decision(changed_parts={"x": 4}, removed_parts=frozenset({"y"})))
    args = writes.arguments()
    assert sorted(args[PART_KEYS]) == ["x", "z"]
    assert args[GONE_KEYS] == ["y"]
    assert not set(args[PART_KEYS]) & set(args[GONE_KEYS])


def test_an_outcome_sets_the_status_and_each_execution_has_one_row() -> None:
    writes = WriteSet(NOW)
    writes.execution("a", 0, ExecutionState.empty()).add(decision())
    writes.execution("b", 0, ExecutionState.empty()).add(
        decision(outcome=Outcome("SUCCEEDED", output={"ok": True}))
    )
    writes.execution("a", 0, ExecutionState.empty()).add(decision())
    args = writes.arguments()
    assert args[STATUSES] == ["RUNNING", "SUCCEEDED"]
