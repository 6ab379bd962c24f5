"""The engine's shell: every transition is a Postgres transaction around a pure decision.

start / deliver a reply / fire a timer / stop / redrive all take the same path: lock the
execution row, ask the engine, write what it decided (history, tokens, outbox, timers, status),
commit, then publish the commands the transaction wrote. Nothing held in memory matters after a
crash: the outbox relay and the timer loop pick up whatever was in flight.

Replies are group-committed: those that arrive together, from any number of executions, are
settled in one transaction (orchestrator.group_commit) whose writes are one statement
(orchestrator.statements.WRITE_DECISIONS); starts likewise, many in one statement
(orchestrator.starts, statements.START_EXECUTIONS).

A reply to an execution this orchestrator wrote last (the usual case: it started the execution
and settled every reply since) needs no read and no lock held across a round trip: the state
cache has its row, state and open tokens, so the reply is decided first and written by one
statement that writes only while the row still shows the version decided on
(statements.WRITE_DECISIONS_IF_CURRENT): one round trip instead of four (BEGIN, the locked read,
the write, COMMIT). Where another orchestrator or a timer moved the execution on meanwhile, the
statement writes nothing of it and the reply is settled again the locked way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

import asyncpg
from prometheus_client import Counter

from orchestrator import engine, lifecycle, statements
from orchestrator.bounds import kept_payload, kept_token
from orchestrator.end_waiters import EndWaiters
from orchestrator.engine.api import (
    Decision,
    Entropy,
    Event,
    ExecutionContext,
    ExecutionState,
    RedriveRequested,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from orchestrator.engine.parts import PartMap
from orchestrator.errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    ExecutionNotRedrivable,
    ExecutionNotRunning,
    InvalidToken,
    ReplyFromWrongSender,
    StateMachineDoesNotExist,
    TaskTimedOut,
)
from orchestrator.executions import ExecutionRow
from orchestrator.group_commit import Busy, GroupCommit
from orchestrator.outbox_relay import OutboxPublisher
from orchestrator.registry import Registry
from orchestrator.reply_senders import ReplySenders
from orchestrator.starts import StartColumns, StartRequest
from orchestrator.state_cache import OpenToken, StateCache, TokenHolder
from orchestrator.writes import About, ExecutionWrites, Rejection, WriteSet
from servicekit import tracing
from servicekit.messages import TaskReply

log = logging.getLogger(__name__)

TRANSITIONS = Counter("orchestrator_transitions_total", "Engine decisions applied", ["event"])
REJECTED_REPLIES = Counter(
    "orchestrator_rejected_replies_total", "Replies recorded and not applied", ["reason"]
)
EXECUTIONS_ENDED = Counter("orchestrator_executions_ended_total", "Executions ended", ["status"])
# cached: decided from the state cache and written in one statement; locked: read and written
# under the row's lock; stale: decided from the cache, found moved on, then settled locked.
REPLIES_SETTLED = Counter("orchestrator_replies_settled_total", "Replies settled, by how", ["path"])

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
REDRIVABLE = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})
# A start that lost a race with a new version being registered is decided again; this many times.
START_ATTEMPTS = 3


def execution_id_for(state_machine_name: str, name: str) -> str:
    return f"{state_machine_name}:{name}"


@dataclass(frozen=True)
class Started:
    execution: ExecutionRow
    created: bool


@dataclass(frozen=True)
class IncomingReply:
    reply: TaskReply
    via: str  # "amqp" or "http"
    received: float = field(default_factory=perf_counter)
    sender: str | None = None  # the AMQP user that published it (its checked user_id)
    # The span that delivered it (the result queue's consume, an HTTP request): the next
    # commands join its trace, though a group-commit worker settles the reply.
    traceparent: str | None = field(default_factory=tracing.traceparent)


class Orchestrator:
    def __init__(
        self,
        pool: asyncpg.Pool,
        registry: Registry,
        publisher: OutboxPublisher,
        entropy: Entropy,
        *,
        max_batch: int = 128,
        batch_workers: int = 1,
        state_cache_size: int = 10_000,
        reply_senders: ReplySenders | None = None,
    ) -> None:
        self._pool = pool
        self._senders = reply_senders or ReplySenders({})
        self._registry = registry
        self._publisher = publisher
        self._entropy = entropy
        self._states = StateCache(state_cache_size)
        self._ends = EndWaiters(self._ended_among)
        self._replies: GroupCommit[IncomingReply] = GroupCommit(
            self._settle_replies, max_batch=max_batch, workers=batch_workers, kind="replies"
        )
        self._starts: GroupCommit[StartRequest] = GroupCommit(
            self._settle_starts, max_batch=max_batch, workers=batch_workers, kind="starts"
        )

    async def close(self) -> None:
        await self._replies.close()
        await self._starts.close()
        await self._ends.close()

    # ---- starting ----------------------------------------------------------------------

    async def start_execution(
        self, state_machine_name: str, name: str, input: Any, *, version: int | None = None
    ) -> Started:
        """StartExecution, idempotent on `name`: the same name and input return the same
        execution; the same name with another input raises ExecutionAlreadyExists.

        It runs the state machine's newest version, or `version` when one is given (a
        published version or an alias's pick: StateMachineDoesNotExist if there is none)."""
        execution_id = execution_id_for(state_machine_name, name)
        with tracing.span("StartExecution", attributes={"stepwise.execution_id": execution_id}):
            return await self._start(execution_id, state_machine_name, name, input, version)

    async def _start(
        self,
        execution_id: str,
        state_machine_name: str,
        name: str,
        input: Any,
        version: int | None,
    ) -> Started:
        if version is not None:
            await self._check_version(state_machine_name, version)
        for _ in range(START_ATTEMPTS):
            request = StartRequest(execution_id, state_machine_name, name, input, version)
            await self._starts.submit(request)
            if request.row is not None:
                return Started(request.row, created=True)
            async with self._pool.acquire() as connection:
                existing = await self._find(connection, execution_id)
            if existing is not None:
                if existing.input != input:
                    raise ExecutionAlreadyExists(
                        f"execution {name!r} already exists with a different input"
                    )
                return Started(existing, created=False)
            self._registry.forget_latest(state_machine_name)  # a newer version: decide again
        raise StateMachineDoesNotExist(f"state machine {state_machine_name!r} keeps changing")

    async def _settle_starts(self, batch: Sequence[StartRequest]) -> list[BaseException | None]:
        """Decide and write a batch of starts in one statement; per start, None or the error
        to raise. A start's `row` is set when its execution was created."""
        traceparents = (request.traceparent for request in batch)
        with tracing.batch_span("write starts", traceparents, len(batch)):
            return await self._write_starts(batch)

    async def _write_starts(self, batch: Sequence[StartRequest]) -> list[BaseException | None]:
        now = datetime.now(UTC)
        writes = WriteSet(now)
        columns = StartColumns()
        added: dict[str, tuple[StartRequest, ExecutionContext]] = {}
        outcomes: list[BaseException | None] = []
        for request in batch:
            if request.execution_id in added:
                outcomes.append(Busy())  # the same name twice: after the first is written
                continue
            try:
                context = await self._decide_start(writes, request, now)
            except StateMachineDoesNotExist as exc:
                outcomes.append(exc)
                continue
            columns.add(request, context.state_machine_version)
            added[request.execution_id] = (request, context)
            outcomes.append(None)
        if not added:
            return outcomes
        published = self._publisher.take_published()
        writes.published_ids = published
        try:
            async with self._pool.acquire() as connection:
                returned = await connection.fetch(
                    statements.START_EXECUTIONS, *writes.arguments(), *columns.arguments()
                )
        except BaseException:
            self._publisher.restore_published(published)
            raise
        created = {row["created"] for row in returned if row["created"] is not None}
        rows: dict[str, ExecutionRow] = {}
        for execution_id, (request, context) in added.items():
            if execution_id in created:
                request.row = rows[execution_id] = self._created_row(context, writes)
            else:  # nothing of it was written: nothing of it to publish, count or keep
                del writes.executions[execution_id]
        self._remember(writes, rows, started=True)
        self._count(writes, "start")
        self._publisher.publish_soon(writes.outbox_messages(returned))
        return outcomes

    async def _decide_start(
        self, writes: WriteSet, request: StartRequest, now: datetime
    ) -> ExecutionContext:
        """Add the start's first decision to `writes`; its context."""
        version = request.version
        if version is None:
            version = await self._registry.latest_version(request.state_machine_name)
            if version is None:
                raise StateMachineDoesNotExist(
                    f"no state machine named {request.state_machine_name!r}"
                )
        machine = await self._registry.machine(request.state_machine_name, version)
        context = ExecutionContext(
            execution_id=request.execution_id,
            execution_name=request.name,
            state_machine_name=request.state_machine_name,
            state_machine_version=version,
            start_time=now,
            input=request.input,
        )
        decision = engine.start(machine, context, request.input, now=now, entropy=self._entropy)
        execution = writes.execution(request.execution_id, 0, ExecutionState.empty())
        execution.about = About.of(request.state_machine_name, request.name, request.input, now)
        execution.traceparent = request.traceparent
        execution.add(decision)
        return context

    async def _check_version(self, state_machine_name: str, version: int) -> None:
        """StateMachineDoesNotExist unless `version` of the machine was registered (a version,
        once registered, never goes away, so one check before the statement is enough)."""
        if not await self._registry.has_version(state_machine_name, version):
            raise StateMachineDoesNotExist(
                f"state machine {state_machine_name!r} has no version {version}"
            )

    @staticmethod
    def _created_row(context: ExecutionContext, writes: WriteSet) -> ExecutionRow:
        """The row START_EXECUTIONS just inserted, without reading it back."""
        execution = writes.executions[context.execution_id]
        outcome = execution.outcome
        return ExecutionRow(
            execution_id=context.execution_id,
            name=context.execution_name,
            state_machine_name=context.state_machine_name,
            state_machine_version=context.state_machine_version,
            status=outcome.status if outcome else "RUNNING",
            input=context.input,
            output=outcome.output if outcome else None,
            error=outcome.error if outcome else None,
            cause=outcome.cause if outcome else None,
            start_date=writes.now,
            stop_date=writes.now if outcome else None,
            event_count=execution.events,
            redrive_count=0,
            state_version=execution.new_version,
        )

    # ---- events ------------------------------------------------------------------------

    async def deliver_reply(self, reply: TaskReply, *, via: str, sender: str | None = None) -> None:
        """SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat. Raises InvalidToken for a
        token we never issued, TaskTimedOut for an attempt that is over and
        ReplyFromWrongSender for an AMQP reply from a user that does not own the task's queue
        (orchestrator.reply_senders); in each case the rejected reply is recorded (committed)
        first."""
        await self._replies.submit(IncomingReply(reply, via, sender=sender))

    async def fire_timer(self, execution_id: str, timer_id: str) -> None:
        """Fire one due timer, unless another orchestrator holds the execution right now (it
        stays due and the next pass takes it) or has fired it already."""
        await self._apply_one(execution_id, TimerFired(timer_id), "timer", timer_id=timer_id)

    async def stop(
        self,
        execution_id: str,
        error: str | None,
        cause: str | None,
        *,
        only_running: bool = False,
    ) -> ExecutionRow:
        """StopExecution. An execution that has ended stays as it is; with `only_running`,
        that raises ExecutionNotRunning."""
        ignored = await self._apply_one(execution_id, StopRequested(error, cause), "stop")
        row = await self.describe(execution_id)
        if only_running and ignored is not None and row.status in TERMINAL:
            raise ExecutionNotRunning(f"execution {execution_id!r} has ended: it is {row.status}")
        return row

    async def redrive(self, execution_id: str) -> ExecutionRow:
        row = await self.describe(execution_id)
        if row.status not in REDRIVABLE:
            raise ExecutionNotRedrivable(f"execution is {row.status}; only failed ones redrive")
        await self._apply_one(execution_id, RedriveRequested(), "redrive")
        return await self.describe(execution_id)

    # ---- reads -------------------------------------------------------------------------

    async def describe(self, execution_id: str) -> ExecutionRow:
        async with self._pool.acquire() as connection:
            return await self._load(connection, execution_id)

    async def wait_for_end(self, execution_id: str, seconds: float) -> bool:
        """Wait up to `seconds` for the execution to end (a long-poll; orchestrator.end_waiters);
        whether it has. Raises ExecutionDoesNotExist for an unknown execution."""

        async def has_ended() -> bool:
            async with self._pool.acquire() as connection:
                status = await connection.fetchval(statements.SELECT_STATUS, execution_id)
            if status is None:
                raise ExecutionDoesNotExist(f"no execution {execution_id!r}")
            return status in TERMINAL

        return await self._ends.wait(execution_id, seconds, has_ended)

    async def _ended_among(self, execution_ids: list[str]) -> set[str]:
        """Of these executions, those not running (ended, or deleted since)."""
        async with self._pool.acquire() as connection:
            running = await connection.fetch(statements.SELECT_RUNNING_AMONG, execution_ids)
        return set(execution_ids) - {record["execution_id"] for record in running}

    async def history_json(self, execution_id: str, *, reverse: bool = False) -> str:
        """GetExecutionHistory's events as a JSON array (id, previousEventId, timestamp, type,
        details); raises ExecutionDoesNotExist for an unknown execution."""
        async with self._pool.acquire() as connection:
            query = statements.HISTORY_JSON_REVERSED if reverse else statements.HISTORY_JSON
            events: str = await connection.fetchval(query, execution_id)
            if events == "[]":
                await self._load(connection, execution_id)  # no events: does it exist at all?
            return events

    # ---- replies, many at a time -------------------------------------------------------

    async def _settle_replies(self, batch: Sequence[IncomingReply]) -> list[BaseException | None]:
        """Apply a batch of replies in one transaction; per reply, None or the error to raise."""
        traceparents = (item.traceparent for item in batch)
        with tracing.batch_span("settle replies", traceparents, len(batch)):
            return await self._settle(batch)

    async def _settle(self, batch: Sequence[IncomingReply]) -> list[BaseException | None]:
        outcomes = await self._settle_from_cache(batch)
        if outcomes is None:
            outcomes = await self._settle_locked(batch)
            REPLIES_SETTLED.labels("locked").inc(len(batch))
        return outcomes

    async def _settle_from_cache(
        self, batch: Sequence[IncomingReply]
    ) -> list[BaseException | None] | None:
        """Settle the batch from the state cache, or return None (nothing written) unless every
        reply is to an execution the cache knows and applies as it stands there."""
        held: list[TokenHolder] = []
        for item in batch:
            holder = self._states.holding(item.reply.task_token)
            if holder is None:
                return None
            row = holder.row
            await self._registry.machine(row.state_machine_name, row.state_machine_version)
            held.append(holder)
        writes = WriteSet(datetime.now(UTC))
        for item, holder in zip(batch, held, strict=True):
            # Anything but a plain apply (a refusal, a reply the engine ignores) is for the
            # locked path to decide and record; nothing decided here is written.
            if self._sender_refusal(item, holder.row, holder.token.state_name) is not None:
                return None
            if self._apply_to(writes, item, holder.token, holder.row, holder.state):
                return None
        rows = {holder.row.execution_id: holder.row for holder in held}
        published = self._publisher.take_published()
        writes.published_ids = published
        versions = [rows[execution_id].state_version for execution_id in writes.executions]
        try:
            async with self._pool.acquire() as connection:
                returned = await connection.fetch(
                    statements.WRITE_DECISIONS_IF_CURRENT, *writes.arguments(), versions
                )
        except BaseException:
            self._publisher.restore_published(published)
            self._states.forget_all(writes.executions)  # written or not: the row will tell
            raise
        written = {record["applied"] for record in returned if record["applied"] is not None}
        for execution_id in [e for e in writes.executions if e not in written]:
            del writes.executions[execution_id]  # moved on meanwhile: nothing of it written
            self._states.forget(execution_id)
        self._remember(writes, rows)
        self._count(writes, "reply")
        self._publisher.publish_soon(writes.outbox_messages(returned))
        outcomes: list[BaseException | None] = [None] * len(batch)
        again = [
            index for index, holder in enumerate(held) if holder.row.execution_id not in written
        ]
        REPLIES_SETTLED.labels("cached").inc(len(batch) - len(again))
        if again:
            REPLIES_SETTLED.labels("stale").inc(len(again))
            settled = await self._settle_locked([batch[index] for index in again])
            for index, outcome in zip(again, settled, strict=True):
                outcomes[index] = outcome
        return outcomes

    async def _settle_locked(self, batch: Sequence[IncomingReply]) -> list[BaseException | None]:
        now = datetime.now(UTC)
        writes = WriteSet(now)
        outcomes: list[BaseException | None] = []
        published = self._publisher.take_published()
        writes.published_ids = published
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                tokens, rows = await self._lock_for_replies(connection, batch)
                states = await self._states_of(connection, rows.values())
                for item in batch:
                    outcomes.append(self._apply_reply(writes, item, tokens, rows, states))
                returned = await connection.fetch(statements.WRITE_DECISIONS, *writes.arguments())
                # Before the lock goes: the next holder finds it current.
                self._remember(writes, rows)
        except BaseException:
            self._publisher.restore_published(published)
            raise
        self._count(writes, "reply")
        self._publisher.publish_soon(writes.outbox_messages(returned))
        return outcomes

    async def _lock_for_replies(
        self, connection: asyncpg.Connection, batch: Sequence[IncomingReply]
    ) -> tuple[dict[str, Any], dict[str, ExecutionRow]]:
        """Each reply's token, and the executions they belong to, locked: those no other
        transaction holds. A token found in neither is unknown or its execution busy; one more
        query, only then, tells which."""
        wanted = [item.reply.task_token for item in batch]
        tokens: dict[str, Any] = {}
        rows: dict[str, ExecutionRow] = {}
        for record in await connection.fetch(statements.LOCK_EXECUTIONS_OF_TOKENS, wanted):
            tokens[record["token"]] = record
            rows.setdefault(record["execution_id"], ExecutionRow.from_record(record))
        missing = [token for token in wanted if token not in tokens]
        if missing:
            for record in await connection.fetch(statements.SELECT_TOKENS, missing):
                tokens[record["token"]] = record
        return tokens, rows

    def _apply_reply(
        self,
        writes: WriteSet,
        item: IncomingReply,
        tokens: dict[str, Any],
        rows: dict[str, ExecutionRow],
        states: dict[str, ExecutionState],
    ) -> BaseException | None:
        reply = item.reply
        token = tokens.get(reply.task_token)
        if token is None:
            self._reject(writes, item, None, "unknown task token")
            return InvalidToken("the task token was not issued by this orchestrator")
        execution_id = token["execution_id"]
        if token["closed_at"] is not None:
            self._reject(writes, item, execution_id, "attempt is over")
            return TaskTimedOut("the task's attempt is already over")
        if execution_id not in rows:
            return Busy()  # another transaction holds the execution: next round
        row = rows[execution_id]
        refused = self._sender_refusal(item, row, token["state_name"])
        if refused is not None:
            self._reject(writes, item, execution_id, refused, label="wrong sender")
            return ReplyFromWrongSender(refused)
        opened = OpenToken(token["state_name"], token["issued_at"])
        ignored = self._apply_to(writes, item, opened, row, states[execution_id])
        if ignored is not None:
            self._reject(writes, item, execution_id, ignored)
            return TaskTimedOut(ignored)
        return None

    def _apply_to(
        self,
        writes: WriteSet,
        item: IncomingReply,
        token: OpenToken,
        row: ExecutionRow,
        state: ExecutionState,
    ) -> str | None:
        """Apply the reply of an open `token` to its execution; why not, if the engine ignored
        it (then nothing was added to `writes`)."""
        reply = item.reply
        ignored = self._decide(writes, row, state, _event_of(reply))
        if ignored is not None:
            return ignored
        execution = writes.executions[row.execution_id]
        execution.traceparent = item.traceparent or execution.traceparent
        execution.state_name = execution.state_name or token.state_name
        execution.received = min(execution.received or item.received, item.received)
        if reply.status != "HEARTBEAT":
            machine = self._registry.cached_machine(
                row.state_machine_name, row.state_machine_version
            )
            queue = getattr(machine.states.get(token.state_name), "queue", None)
            seconds = (writes.now - token.issued_at).total_seconds()
            execution.task_durations.append((queue or "other", seconds))
        return None

    def _sender_refusal(
        self, item: IncomingReply, row: ExecutionRow, state_name: str
    ) -> str | None:
        if item.via != "amqp" or not self._senders.checked:
            return None
        machine = self._registry.cached_machine(row.state_machine_name, row.state_machine_version)
        return self._senders.refusal(machine, state_name, item.sender)

    def _decide(
        self, writes: WriteSet, row: ExecutionRow, stored: ExecutionState, event: Event
    ) -> str | None:
        """Apply `event` to the execution (its `stored` state as this batch left it) and record
        the decision in `writes`; returns why nothing happened, if nothing did."""
        current = writes.executions.get(row.execution_id)
        status = row.status
        if current is not None and current.outcome is not None:
            status = current.outcome.status
        if status in TERMINAL and not isinstance(event, RedriveRequested):
            return f"execution is {status}"
        machine = self._registry.cached_machine(row.state_machine_name, row.state_machine_version)
        decision: Decision = engine.handle(
            machine,
            row.context(),
            stored if current is None else current.state,
            event,
            now=writes.now,
            entropy=self._entropy,
        )
        if decision.ignored is not None:
            return decision.ignored
        execution = writes.execution(row.execution_id, row.event_count, stored)
        if execution.about is None:
            execution.about = About.of(row.state_machine_name, row.name, row.input, row.start_date)
        execution.add(decision)
        if isinstance(event, RedriveRequested):
            execution.redrives += 1
        return None

    # ---- timers, stop and redrive: one event at a time ---------------------------------

    async def _apply_one(
        self, execution_id: str, event: Event, label: str, *, timer_id: str | None = None
    ) -> str | None:
        """Why nothing happened, if nothing did (the timer was not taken, the engine ignored
        the event)."""
        now = datetime.now(UTC)
        writes = WriteSet(now)
        async with self._pool.acquire() as connection, connection.transaction():
            if timer_id is not None:
                # Another orchestrator holding the execution has it in hand: skip, stay due.
                record = await connection.fetchrow(
                    statements.LOCK_EXECUTION_SKIP_LOCKED, execution_id
                )
                if record is None:
                    return "execution busy"
                taken = await connection.fetchval(statements.TAKE_TIMER, execution_id, timer_id)
                if taken is None:
                    return "timer fired or cancelled already"
            else:
                record = await connection.fetchrow(statements.LOCK_EXECUTION, execution_id)
                if record is None:
                    raise ExecutionDoesNotExist(f"no execution {execution_id!r}")
            row = ExecutionRow.from_record(record)
            states = await self._states_of(connection, [row])
            ignored = self._decide(writes, row, states[execution_id], event)
            if ignored is not None:
                return ignored
            # The execution's own trace, even for a stop or redrive asked in a request of its
            # own: one trace per execution (before tracing was on: the request's, if any).
            execution = writes.executions[execution_id]
            execution.traceparent = record["traceparent"] or tracing.traceparent()
            returned = await connection.fetch(statements.WRITE_DECISIONS, *writes.arguments())
            self._remember(writes, {execution_id: row})
        self._count(writes, label)
        self._publisher.publish_soon(writes.outbox_messages(returned))
        return None

    # ---- helpers -----------------------------------------------------------------------

    async def _load(self, connection: asyncpg.Connection, execution_id: str) -> ExecutionRow:
        row = await self._find(connection, execution_id)
        if row is None:
            raise ExecutionDoesNotExist(f"no execution {execution_id!r}")
        return row

    async def _find(self, connection: asyncpg.Connection, execution_id: str) -> ExecutionRow | None:
        record = await connection.fetchrow(statements.SELECT_EXECUTION, execution_id)
        return None if record is None else ExecutionRow.from_record(record)

    async def _states_of(
        self, connection: asyncpg.Connection, rows: Iterable[ExecutionRow]
    ) -> dict[str, ExecutionState]:
        """The engine state of each locked execution: from the cache while it is current, else
        read from its parts. Their machines are made ready too."""
        states: dict[str, ExecutionState] = {}
        missing: list[str] = []
        for row in rows:
            await self._registry.machine(row.state_machine_name, row.state_machine_version)
            cached = self._states.get(row.execution_id, row.state_version)
            if cached is None:
                missing.append(row.execution_id)
            else:
                states[row.execution_id] = cached
        if missing:
            parts: dict[str, dict[str, Any]] = {execution_id: {} for execution_id in missing}
            for record in await connection.fetch(statements.SELECT_PARTS, missing):
                parts[record["execution_id"]][record["key"]] = record["value"]
            for execution_id, found in parts.items():
                states[execution_id] = ExecutionState(PartMap(found))
        return states

    def _remember(
        self, writes: WriteSet, rows: dict[str, ExecutionRow], *, started: bool = False
    ) -> None:
        """Keep the states `writes` is writing, tagged with the versions it writes (a write that
        then fails to commit leaves a tag no row will ever show), with the rows as written and
        the tokens left open. `rows` are the rows the writes began from (`started`: the rows
        just created)."""
        for execution in writes.executions.values():
            execution_id = execution.execution_id
            if execution.outcome is not None:
                self._states.forget(execution_id)
                continue
            before = rows[execution_id]
            self._states.put(
                execution_id,
                execution.new_version,
                execution.state,
                _row_after(before, execution),
                self._open_tokens_after(before, execution, writes.now, started=started),
            )

    def _open_tokens_after(
        self, before: ExecutionRow, execution: ExecutionWrites, now: datetime, *, started: bool
    ) -> dict[str, OpenToken] | None:
        """The tokens the execution has open once `execution` is written: those open before
        (known only if this orchestrator wrote the version it began from), less those it
        closes, with those it issues; None if unknown."""
        if started:
            still_open: dict[str, OpenToken] = {}
        else:
            cached = self._states.entry(before.execution_id)
            if cached is None or cached.version != before.state_version:
                return None  # another writer came between: what it left open is unknown here
            if cached.open_tokens is None:
                return None
            still_open = dict(cached.open_tokens)
        for token in execution.closed_before:
            still_open.pop(token, None)
        for token, command in execution.commands.items():
            if token not in execution.closed_here:
                still_open[token] = OpenToken(command.state_name, now)
        return still_open

    def _count(self, writes: WriteSet, label: str) -> None:
        lifecycle.report(writes)
        ended: list[str] = []
        for execution in writes.executions.values():
            TRANSITIONS.labels(label).inc(execution.decisions)
            if execution.outcome is not None:
                EXECUTIONS_ENDED.labels(execution.outcome.status).inc()
                ended.append(execution.execution_id)
        self._ends.ended(ended)

    def _reject(
        self,
        writes: WriteSet,
        item: IncomingReply,
        execution_id: str | None,
        reason: str,
        label: str | None = None,
    ) -> None:
        log.info(
            "reply rejected: %s",
            reason,
            extra={"execution_id": execution_id, "event": "reply_rejected"},
        )
        REJECTED_REPLIES.labels(label or (reason if execution_id is None else "stale")).inc()
        writes.reject(
            Rejection(
                token=kept_token(item.reply.task_token),
                execution_id=execution_id,
                status=item.reply.status,
                reason=reason,
                via=item.via,
                payload=kept_payload(item.reply.to_json()),
            )
        )


def _row_after(before: ExecutionRow, execution: ExecutionWrites) -> ExecutionRow:
    """The row of a still running execution once `execution` is written (input and output left
    out, as the locked path reads it)."""
    return replace(
        before,
        status="RUNNING",
        input=None,
        output=None,
        error=None,
        cause=None,
        stop_date=None,
        event_count=execution.events,
        redrive_count=before.redrive_count + execution.redrives,
        state_version=execution.new_version,
    )


def _event_of(reply: TaskReply) -> Event:
    if reply.status == "SUCCEEDED":
        return TaskSucceeded(reply.task_token, reply.output)
    if reply.status == "FAILED":
        return TaskFailed(reply.task_token, reply.error, reply.cause)
    return TaskHeartbeat(reply.task_token)
