"""The engine's shell: every transition is one Postgres transaction around a pure decision.

start / deliver a reply / fire a timer / stop / redrive all take the same path: lock the
execution row, ask the engine, write what it decided (history, tokens, outbox, timers, status),
commit, then publish the commands the transaction wrote. Nothing held in memory matters after a
crash: the outbox relay and the timer loop pick up whatever was in flight.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator import engine
from orchestrator.decisions import OutboxMessage, write_decision
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
from orchestrator.errors import (
    ExecutionAlreadyExists,
    ExecutionDoesNotExist,
    ExecutionNotRedrivable,
    InvalidToken,
    OrchestratorError,
    StateMachineDoesNotExist,
    TaskTimedOut,
)
from orchestrator.outbox_relay import OutboxPublisher
from orchestrator.registry import Registry
from orchestrator.tables import executions, rejected_replies, task_tokens, timers
from servicekit.messages import TaskReply

log = logging.getLogger(__name__)

TRANSITIONS = Counter("orchestrator_transitions_total", "Engine decisions applied", ["event"])
REJECTED_REPLIES = Counter(
    "orchestrator_rejected_replies_total", "Replies recorded and not applied", ["reason"]
)
EXECUTIONS_ENDED = Counter("orchestrator_executions_ended_total", "Executions ended", ["status"])

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
REDRIVABLE = frozenset({"FAILED", "TIMED_OUT", "ABORTED"})


def execution_id_for(state_machine_name: str, name: str) -> str:
    return f"{state_machine_name}:{name}"


@dataclass(frozen=True)
class Transition:
    """What one event did: the commands to publish, or why it changed nothing."""

    messages: list[OutboxMessage] = field(default_factory=list)
    ignored: str | None = None


@dataclass(frozen=True)
class Started:
    execution: Any  # the executions row
    created: bool


class Orchestrator:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        registry: Registry,
        publisher: OutboxPublisher,
        entropy: Entropy,
    ) -> None:
        self._sessions = sessions
        self._registry = registry
        self._publisher = publisher
        self._entropy = entropy

    # ---- starting ----------------------------------------------------------------------

    async def start_execution(self, state_machine_name: str, name: str, input: Any) -> Started:
        """StartExecution, idempotent on `name`: the same name and input return the same
        execution; the same name with another input raises ExecutionAlreadyExists."""
        execution_id = execution_id_for(state_machine_name, name)
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            machine_version = await self._registry.latest(session, state_machine_name)
            if machine_version is None:
                raise StateMachineDoesNotExist(f"no state machine named {state_machine_name!r}")
            inserted = await session.execute(
                insert(executions)
                .values(
                    execution_id=execution_id,
                    name=name,
                    state_machine_name=state_machine_name,
                    state_machine_version=machine_version.version,
                    status="RUNNING",
                    input=input,
                    start_date=now,
                    engine_state={},
                )
                .on_conflict_do_nothing()
                .returning(executions.c.execution_id)
            )
            if inserted.first() is None:
                existing = await self._load(session, execution_id)
                if existing.input != input:
                    raise ExecutionAlreadyExists(
                        f"execution {name!r} already exists with a different input"
                    )
                return Started(existing, created=False)
            machine = await self._registry.parsed(
                session, state_machine_name, machine_version.version
            )
            row = await self._load(session, execution_id)
            decision = engine.start(machine, _context(row), input, now=now, entropy=self._entropy)
            messages = await self._write(session, row, decision, now, "start")
            row = await self._load(session, execution_id)
        await self._publisher.publish_committed(messages)
        return Started(row, created=True)

    # ---- events ------------------------------------------------------------------------

    async def deliver_reply(self, reply: TaskReply, *, via: str) -> None:
        """SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat, in one transaction. Raises
        InvalidToken for a token we never issued and TaskTimedOut for an attempt that is over;
        either way the rejected reply is recorded (committed) first."""
        event: Event
        if reply.status == "SUCCEEDED":
            event = TaskSucceeded(reply.task_token, reply.output)
        elif reply.status == "FAILED":
            event = TaskFailed(reply.task_token, reply.error, reply.cause)
        else:
            event = TaskHeartbeat(reply.task_token)
        rejection: OrchestratorError | None = None
        async with self._sessions() as session, session.begin():
            token = (
                await session.execute(
                    select(task_tokens).where(task_tokens.c.token == reply.task_token)
                )
            ).first()
            if token is None:
                await self._reject(session, reply, None, "unknown task token", via)
                rejection = InvalidToken("the task token was not issued by this orchestrator")
            elif token.closed_at is not None:
                await self._reject(session, reply, token.execution_id, "attempt is over", via)
                rejection = TaskTimedOut("the task's attempt is already over")
            else:
                transition = await self._transition(
                    session, token.execution_id, event, label=f"reply:{reply.status}"
                )
                if transition.ignored is not None:
                    await self._reject(session, reply, token.execution_id, transition.ignored, via)
                    rejection = TaskTimedOut(transition.ignored)
        if rejection is not None:
            raise rejection
        await self._publisher.publish_committed(transition.messages)

    async def fire_timer(self, execution_id: str, timer_id: str) -> None:
        """Fire one due timer, unless another orchestrator holds the execution right now (it
        stays due and the next pass takes it) or has fired it already."""
        await self._apply(
            execution_id, TimerFired(timer_id), label="timer", timer_id=timer_id, skip_locked=True
        )

    async def stop(self, execution_id: str, error: str | None, cause: str | None) -> Any:
        await self._apply(execution_id, StopRequested(error, cause), label="stop")
        return await self.describe(execution_id)

    async def redrive(self, execution_id: str) -> Any:
        row = await self.describe(execution_id)
        if row.status not in REDRIVABLE:
            raise ExecutionNotRedrivable(f"execution is {row.status}; only failed ones redrive")
        await self._apply(execution_id, RedriveRequested(), label="redrive")
        return await self.describe(execution_id)

    # ---- reads -------------------------------------------------------------------------

    async def describe(self, execution_id: str) -> Any:
        async with self._sessions() as session:
            return await self._load(session, execution_id)

    # ---- the one path every transition takes -------------------------------------------

    async def _apply(
        self,
        execution_id: str,
        event: Event,
        *,
        label: str,
        timer_id: str | None = None,
        skip_locked: bool = False,
    ) -> None:
        async with self._sessions() as session, session.begin():
            transition = await self._transition(
                session,
                execution_id,
                event,
                label=label,
                timer_id=timer_id,
                skip_locked=skip_locked,
            )
        await self._publisher.publish_committed(transition.messages)

    async def _transition(
        self,
        session: AsyncSession,
        execution_id: str,
        event: Event,
        *,
        label: str,
        timer_id: str | None = None,
        skip_locked: bool = False,
    ) -> Transition:
        """Apply one event inside the caller's transaction: lock the execution, ask the engine,
        write its decision. `ignored` says why nothing changed, when nothing did."""
        now = datetime.now(UTC)
        row = await self._load(session, execution_id, lock=True, skip_locked=skip_locked)
        if row is None:
            return Transition(ignored="execution is busy")
        if timer_id is not None and not await self._take_timer(session, execution_id, timer_id):
            return Transition(ignored="timer already handled")
        if row.status in TERMINAL and not isinstance(event, RedriveRequested):
            return Transition(ignored=f"execution is {row.status}")
        machine = await self._registry.parsed(
            session, row.state_machine_name, row.state_machine_version
        )
        decision = engine.handle(
            machine,
            _context(row),
            ExecutionState(row.engine_state or {}),
            event,
            now=now,
            entropy=self._entropy,
        )
        if decision.ignored is not None:
            return Transition(ignored=decision.ignored)
        if isinstance(event, RedriveRequested):
            await session.execute(
                update(executions)
                .where(executions.c.execution_id == execution_id)
                .values(
                    status="RUNNING",
                    stop_date=None,
                    error=None,
                    cause=None,
                    output=None,
                    redrive_count=executions.c.redrive_count + 1,
                )
            )
        return Transition(messages=await self._write(session, row, decision, now, label))

    async def _write(
        self, session: AsyncSession, row: Any, decision: Decision, now: datetime, label: str
    ) -> list[OutboxMessage]:
        TRANSITIONS.labels(label.split(":")[0]).inc()
        if decision.outcome is not None:
            EXECUTIONS_ENDED.labels(decision.outcome.status).inc()
        return await write_decision(session, row.execution_id, row.event_count, decision, now)

    async def _take_timer(self, session: AsyncSession, execution_id: str, timer_id: str) -> bool:
        """Delete the timer if it is still set (another orchestrator may have fired it)."""
        taken = await session.execute(
            timers.delete()
            .where(timers.c.execution_id == execution_id, timers.c.timer_id == timer_id)
            .returning(timers.c.timer_id)
        )
        return taken.first() is not None

    async def _load(
        self,
        session: AsyncSession,
        execution_id: str,
        lock: bool = False,
        skip_locked: bool = False,
    ) -> Any:
        """The execution row, locked if asked. With skip_locked, None means another transaction
        holds it (callers use that only for executions known to exist, such as a timer's)."""
        query = select(executions).where(executions.c.execution_id == execution_id)
        if lock:
            query = query.with_for_update(skip_locked=skip_locked)
        row = (await session.execute(query)).first()
        if row is None and not skip_locked:
            raise ExecutionDoesNotExist(f"no execution {execution_id!r}")
        return row

    async def _reject(
        self,
        session: AsyncSession,
        reply: TaskReply,
        execution_id: str | None,
        reason: str,
        via: str,
    ) -> None:
        log.info("reply for %s rejected: %s", execution_id or "unknown execution", reason)
        REJECTED_REPLIES.labels(reason if execution_id is None else "stale").inc()
        await session.execute(
            insert(rejected_replies).values(
                token=reply.task_token,
                execution_id=execution_id,
                status=reply.status,
                reason=reason,
                via=via,
                payload=reply.to_json(),
                stale=execution_id is not None,
            )
        )


def _context(row: Any) -> ExecutionContext:
    return ExecutionContext(
        execution_id=row.execution_id,
        execution_name=row.name,
        state_machine_name=row.state_machine_name,
        state_machine_version=row.state_machine_version,
        start_time=row.start_date,
        input=row.input,
    )
