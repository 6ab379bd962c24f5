"""An execution as its own history tells it. Pure: no I/O.

Reading an order took two calls to the orchestrator, the execution and its history; the history
alone holds all of it (the input in ExecutionStarted, the end in the last execution-level event,
both written in the transaction that changed the status), so one call does."""

from __future__ import annotations

from collections.abc import Sequence

from web.orchestrator import Execution, HistoryEvent

# The execution-level events, and the status each leaves the execution in.
_STATUS_AFTER = {
    "ExecutionStarted": "RUNNING",
    "ExecutionRedriven": "RUNNING",
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


def execution_of_history(execution_id: str, events: Sequence[HistoryEvent]) -> Execution | None:
    """The execution `events` (oldest first) describe; None when they hold no ExecutionStarted.
    `execution_id` is `<state machine>:<name>`, as the orchestrator names executions."""
    started = next((event for event in events if event.type == "ExecutionStarted"), None)
    if started is None:
        return None
    last = next(event for event in reversed(events) if event.type in _STATUS_AFTER)
    status = _STATUS_AFTER[last.type]
    ended = status != "RUNNING"
    state_machine, _, name = execution_id.partition(":")
    return Execution(
        execution_id=execution_id,
        name=name,
        state_machine_name=state_machine,
        status=status,
        input=started.details.get("input"),
        output=last.details.get("output") if status == "SUCCEEDED" else None,
        error=last.details.get("error") if ended else None,
        cause=last.details.get("cause") if ended else None,
        start_date=started.timestamp,
        stop_date=last.timestamp if ended else None,
    )
