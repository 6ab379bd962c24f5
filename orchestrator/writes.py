"""What a batch of engine decisions writes, gathered into the columns of one statement.

A batch may hold several decisions for one execution (replies from a Map's iterations arriving
together) and decisions for many executions. WriteSet folds them, execution by execution, into
the rows statements.WRITE_DECISIONS (or START_EXECUTION) inserts, updates and deletes. Because one
statement cannot see its own rows, what a batch did and then undid is netted out here: a timer set
and cancelled is neither inserted nor deleted, a token issued and closed is inserted closed, and
the command of a token closed before it was ever published is dropped.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestrator.engine.api import Decision, ExecutionState, Outcome, TaskCommand
from servicekit.json_text import compact_json
from servicekit.messages import REPLY_EXCHANGE_HEADER, RESULT_QUEUE
from servicekit.tracing import TRACEPARENT


def to_json_text(value: Any) -> str:
    return compact_json(value)


_Rows = list[tuple[Any, ...]]
# State machines whose executions web names after the order they fulfil.
ORDER_MACHINES = frozenset({"order-fulfillment"})


@dataclass(frozen=True)
class OutboxMessage:
    """One outbox row: a command to publish once its transaction has committed."""

    id: int
    execution_id: str
    queue: str
    message_id: str
    headers: dict[str, Any]
    body: Any
    # perf_counter() when the reply that led to this command arrived (transition latency).
    received: float | None = None


def command_headers(
    execution_id: str, command: TaskCommand, traceparent: str | None = None
) -> dict[str, Any]:
    """The command's AMQP headers, stored with its outbox row. `traceparent` (tracing on) is
    the trace the command belongs to, so that it joins it whenever and however it is sent."""
    headers: dict[str, Any] = {
        "state-name": command.state_name,
        "attempt": command.attempt,
        "execution-id": execution_id,
        "reply-to": RESULT_QUEUE,
        # Where the service publishes its reply: an exchange its RabbitMQ user may write to
        # that routes to the result queue (servicekit.amqp, route_exchange).
        REPLY_EXCHANGE_HEADER: RESULT_QUEUE,
    }
    if traceparent is not None:
        headers[TRACEPARENT] = traceparent
    return headers


@dataclass(frozen=True)
class Rejection:
    """A reply recorded and not applied (unknown token, attempt over, execution ended)."""

    token: str
    execution_id: str | None
    status: str
    reason: str
    via: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class About:
    """An execution as its log lines and metrics name it."""

    state_machine_name: str
    order_id: str | None
    start_date: datetime

    @classmethod
    def of(cls, state_machine_name: str, name: str, input: Any, start_date: datetime) -> About:
        """The order id is the input's `order_id`; where a transition did not read the input,
        the name of an execution of an order machine (web names them after the order)."""
        order_id = input.get("order_id") if isinstance(input, dict) else None
        if order_id is None and input is None and state_machine_name in ORDER_MACHINES:
            order_id = name
        return cls(state_machine_name, order_id if isinstance(order_id, str) else None, start_date)


@dataclass
class ExecutionWrites:
    """Everything the decisions of one batch do to one execution, netted."""

    execution_id: str
    event_count: int  # history events already stored before this batch
    state: ExecutionState  # as the batch's decisions so far left it
    # The state_version this batch writes: random, so that a version never comes back (a cached
    # state tagged with the version of a write that failed to commit can never look current).
    new_version: int = field(default_factory=lambda: secrets.randbits(63))
    outcome: Outcome | None = None
    redrives: int = 0
    decisions: int = 0
    # (event id, type, details, previousEventId: None for "the event before")
    history: list[tuple[int, str, dict[str, Any], int | None]] = field(default_factory=list)
    commands: dict[str, TaskCommand] = field(default_factory=dict)  # by token, in order
    closed_here: set[str] = field(default_factory=set)  # issued and closed within the batch
    closed_before: set[str] = field(default_factory=set)  # issued by an earlier batch
    timers: dict[str, datetime | None] = field(default_factory=dict)  # None: cancel
    changed_parts: dict[str, Any] = field(default_factory=dict)
    removed_parts: set[str] = field(default_factory=set)
    # What the lifecycle log lines and metrics say about it (orchestrator.lifecycle).
    about: About | None = None
    state_name: str | None = None  # of the task whose reply this batch applies
    received: float | None = None  # perf_counter() when that reply arrived
    # The trace of the work that led to these decisions (a StartExecution, a reply's delivery):
    # its commands carry it, and the execution's end is recorded under it (tracing on only).
    traceparent: str | None = None
    # (queue, seconds from the task's command to its reply) of the replies applied
    task_durations: list[tuple[str, float]] = field(default_factory=list)

    @property
    def events(self) -> int:
        return self.event_count + len(self.history)

    def add(self, decision: Decision) -> None:
        self.decisions += 1
        for event in decision.history:
            self.history.append(
                (self.events + 1, event.type, event.details, event.previous_event_id)
            )
        for command in decision.commands:
            self.commands[command.token] = command
        for token in decision.closed_tokens:
            if token in self.commands:
                self.closed_here.add(token)
            else:
                self.closed_before.add(token)
        for timer_id in decision.cancel_timers:
            self.timers[timer_id] = None
        for timer in decision.timers:
            self.timers[timer.timer_id] = timer.due_at
        for key in decision.removed_parts:
            self.changed_parts.pop(key, None)
            self.removed_parts.add(key)
        for key, value in decision.changed_parts.items():
            self.removed_parts.discard(key)
            self.changed_parts[key] = value
        self.state = decision.state
        if decision.outcome is not None:
            self.outcome = decision.outcome


class WriteSet:
    """The rows of one WRITE_DECISIONS / START_EXECUTION statement."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.executions: dict[str, ExecutionWrites] = {}
        self.rejections: list[Rejection] = []
        self.published_ids: list[int] = []

    def execution(
        self, execution_id: str, event_count: int, state: ExecutionState
    ) -> ExecutionWrites:
        """The writes of `execution_id`, begun from its stored event count and state."""
        writes = self.executions.get(execution_id)
        if writes is None:
            writes = ExecutionWrites(execution_id, event_count, state)
            self.executions[execution_id] = writes
        return writes

    def reject(self, rejection: Rejection) -> None:
        self.rejections.append(rejection)

    def commands(self) -> list[tuple[str, TaskCommand]]:
        """(execution id, command) for every command to publish after commit."""
        return [
            (writes.execution_id, command)
            for writes in self.executions.values()
            for token, command in writes.commands.items()
            if token not in writes.closed_here
        ]

    def arguments(self) -> list[Any]:
        """$1..$44 of statements.WRITE_DECISIONS, in order: each table's rows gathered as
        tuples in the order of its unnest() columns, then turned into one array per column."""
        history: _Rows = []
        tokens: _Rows = []
        cancelled: _Rows = []
        timers: _Rows = []
        outbox: _Rows = []
        parts: _Rows = []
        gone: _Rows = []
        rows: _Rows = []
        closed: list[str] = []
        for w in self.executions.values():
            eid = w.execution_id
            history += [
                (eid, n, type_, to_json_text(details), previous)
                for n, type_, details, previous in w.history
            ]
            closed += w.closed_before
            for token, command in w.commands.items():
                issued_and_closed = token in w.closed_here
                closed_at = self.now if issued_and_closed else None
                tokens.append((token, eid, command.state_name, command.attempt, closed_at))
                if not issued_and_closed:
                    headers = to_json_text(command_headers(eid, command, w.traceparent))
                    body = to_json_text(command.payload)
                    outbox.append((eid, command.queue, token, headers, body))
            for timer_id, due in w.timers.items():
                if due is None:
                    cancelled.append((eid, timer_id))
                else:
                    timers.append((eid, timer_id, due))
            parts += [(eid, key, to_json_text(value)) for key, value in w.changed_parts.items()]
            gone += [(eid, key) for key in w.removed_parts]
            o = w.outcome
            rows.append(
                (
                    eid,
                    w.events,
                    o.status if o else "RUNNING",
                    to_json_text(o.output) if o else None,
                    o.error if o else None,
                    o.cause if o else None,
                    self.now if o else None,
                    w.redrives,
                    w.new_version,
                )
            )
        rejected = [
            (
                r.token,
                r.execution_id,
                r.status,
                r.reason,
                r.via,
                to_json_text(r.payload),
                r.execution_id is not None,
            )
            for r in self.rejections
        ]
        return [
            self.now,
            *_columns(history, 5),
            closed,
            *_columns(tokens, 5),
            *_columns(cancelled, 2),
            *_columns(timers, 3),
            *_columns(outbox, 5),
            self.published_ids,
            *_columns(rejected, 7),
            *_columns(parts, 3),
            *_columns(gone, 2),
            *_columns(rows, 9),
        ]

    def outbox_messages(self, returned: list[Any]) -> list[OutboxMessage]:
        """The outbox rows the statement returned (id, message_id), as messages to publish."""
        ids = {row["message_id"]: row["id"] for row in returned if row["message_id"] is not None}
        return [
            OutboxMessage(
                ids[command.token],
                execution_id,
                command.queue,
                command.token,
                command_headers(execution_id, command, self.executions[execution_id].traceparent),
                command.payload,
                self.executions[execution_id].received,
            )
            for execution_id, command in self.commands()
        ]


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows of `width` values as `width` columns (an unnest() of parallel arrays)."""
    return (
        [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    )
