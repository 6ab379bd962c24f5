"""Lifecycle log lines and execution metrics, derived in one place from what a committed
transaction wrote: the history events of each execution's decisions.

One INFO line per event an operator asks about (execution started, task scheduled, retried,
caught, failed, succeeded, stopped, redriven), each with the execution id, order id, state
name and (tracing on) trace id as structured fields; and, tracing on, a span for each
execution's end in the trace of the work that ended it. Retries and catches have no history
event of their own (as in AWS): a TaskFailed followed by the state's exit was caught; one
followed by a retry timer was retried.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Histogram

from orchestrator.writes import ExecutionWrites, WriteSet
from servicekit import tracing
from servicekit.metrics import BoundedLabel

log = logging.getLogger("orchestrator.lifecycle")

EXECUTION_DURATION = Histogram(
    "orchestrator_execution_duration_seconds",
    "Start to end of an execution, by state machine and final status",
    ["state_machine", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400),
)

TASK_FAILURES = Counter(
    "orchestrator_task_failures_total",
    "Task attempts that failed or timed out, by state machine and error name",
    ["state_machine", "error"],
)
EXECUTIONS_FAILED = Counter(
    "orchestrator_executions_failed_total",
    "Executions that ended FAILED or TIMED_OUT, by state machine and error name",
    ["state_machine", "error"],
)
TASK_DURATION = Histogram(
    "orchestrator_task_duration_seconds",
    "A task attempt's command issued to its reply applied, by queue ('other': an activity, or a"
    " Task inside a Map or Parallel)",
    ["queue"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)
# Error names come from workers too (SendTaskFailure): bounded.
_error_label = BoundedLabel()

_ENDED = {  # history event: (the line's event field, its message)
    "ExecutionSucceeded": ("succeeded", "execution succeeded"),
    "ExecutionFailed": ("failed", "execution failed: %(error)s"),
    "ExecutionTimedOut": ("timed_out", "execution timed out: %(error)s"),
    "ExecutionAborted": ("stopped", "execution stopped"),
}
_TASK_FAILURES = ("TaskFailed", "TaskTimedOut")
_END_EVENTS = {  # final status: its history event, the end span's name
    "SUCCEEDED": "ExecutionSucceeded",
    "FAILED": "ExecutionFailed",
    "TIMED_OUT": "ExecutionTimedOut",
    "ABORTED": "ExecutionAborted",
}


def report(writes: WriteSet) -> None:
    """Log and measure what `writes` committed; call after commit."""
    logging_on = log.isEnabledFor(logging.INFO)  # skip all formatting when nobody reads it
    tracing_on = tracing.is_on()
    for execution in writes.executions.values():
        for queue, seconds in execution.task_durations:
            TASK_DURATION.labels(queue).observe(seconds)
        about = execution.about
        if about is not None:
            _measure(writes, execution, about.state_machine_name, about.start_date)
        if logging_on:
            _log_events(writes, execution)
        if tracing_on and execution.outcome is not None:
            _trace_end(execution)


def _trace_end(execution: ExecutionWrites) -> None:
    """The execution's end as a span of the trace it ran in (its StartExecution's, its last
    reply's)."""
    outcome = execution.outcome
    if outcome is None or execution.traceparent is None:
        return
    attributes = {
        "stepwise.execution_id": execution.execution_id,
        "stepwise.status": outcome.status,
    }
    if outcome.error:
        attributes["stepwise.error"] = outcome.error
    name = _END_EVENTS.get(outcome.status, "ExecutionEnded")
    with tracing.span(name, parent=execution.traceparent, attributes=attributes):
        pass


def _measure(
    writes: WriteSet, execution: ExecutionWrites, machine: str, start_date: datetime
) -> None:
    for _id, type_, details, _previous in execution.history:
        if type_ in _TASK_FAILURES:
            TASK_FAILURES.labels(machine, _error_label(details.get("error"))).inc()
    outcome = execution.outcome
    if outcome is not None:
        seconds = (writes.now - start_date).total_seconds()
        EXECUTION_DURATION.labels(machine, outcome.status).observe(seconds)
        if outcome.status in ("FAILED", "TIMED_OUT"):
            EXECUTIONS_FAILED.labels(machine, _error_label(outcome.error)).inc()


def _log_events(writes: WriteSet, execution: ExecutionWrites) -> None:
    about = execution.about
    fields: dict[str, Any] = {
        "execution_id": execution.execution_id,
        "order_id": about.order_id if about else None,
        "state_name": execution.state_name,
        "trace_id": tracing.trace_id_of(execution.traceparent),
    }

    def line(event: str, message: str, *args: Any) -> None:
        log.info(message, *args, extra={**fields, "event": event})

    entered_too = log.isEnabledFor(logging.DEBUG)
    commands = iter(execution.commands.values())
    failure: dict[str, Any] | None = None  # a task failure not yet retried, caught or final
    for _id, type_, details, _previous in execution.history:
        if type_.endswith("StateEntered"):
            fields["state_name"] = details.get("name")
            if entered_too:  # every state, Pass and Choice too: DEBUG
                log.debug("state entered", extra={**fields, "event": "entered"})
        elif type_ == "TaskScheduled":
            command = next(commands, None)
            if command is not None:
                fields["state_name"] = command.state_name
                line(
                    "scheduled",
                    "task scheduled on %s, attempt %d",
                    command.queue,
                    command.attempt + 1,
                )
        elif type_ in _TASK_FAILURES:
            failure = details
        elif type_.endswith("StateExited"):
            if failure is not None:
                line("caught", "caught %s: %s", failure.get("error"), failure.get("cause"))
                failure = None
            fields["state_name"] = details.get("name")
        elif type_ == "ExecutionStarted":
            line("started", "execution started")
        elif type_ == "ExecutionRedriven":
            line("redriven", "execution redriven (redrive %s)", details.get("redriveCount"))
        elif type_ in _ENDED:
            error = details.get("error") or (failure or {}).get("error")
            event, message = _ENDED[type_]
            line(event, message, {"error": error})
            failure = None
    if failure is not None:
        retry = [due for timer_id, due in execution.timers.items() if ":retry:" in timer_id and due]
        if retry:
            delay = (min(retry) - writes.now).total_seconds()
            line(
                "retried",
                "task failed with %s; retrying in %.2fs",
                failure.get("error"),
                delay,
            )
