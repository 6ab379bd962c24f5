"""Writes an engine Decision into the orchestrator's tables, inside the caller's transaction.

One decision becomes: history rows (numbered on from the execution's count), task tokens issued
and closed, outbox rows for the commands, timers set and cancelled, and the execution row itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.engine.api import Decision, TaskCommand
from orchestrator.tables import executions, history_events, outbox, task_tokens, timers
from servicekit.messages import RESULT_QUEUE


@dataclass(frozen=True)
class OutboxMessage:
    """One outbox row: a command to publish once its transaction has committed."""

    id: int
    execution_id: str
    queue: str
    message_id: str
    headers: dict[str, Any]
    body: Any


def command_headers(execution_id: str, command: TaskCommand) -> dict[str, Any]:
    return {
        "state-name": command.state_name,
        "attempt": command.attempt,
        "execution-id": execution_id,
        "reply-to": RESULT_QUEUE,
    }


async def write_decision(
    session: AsyncSession,
    execution_id: str,
    event_count: int,
    decision: Decision,
    now: datetime,
) -> list[OutboxMessage]:
    """Persist `decision`; returns the outbox rows it wrote, to publish after commit."""
    if decision.history:
        await session.execute(
            insert(history_events),
            [
                {
                    "execution_id": execution_id,
                    "event_id": event_count + offset + 1,
                    "previous_event_id": event_count + offset,
                    "timestamp": now,
                    "type": event.type,
                    "details": event.details,
                }
                for offset, event in enumerate(decision.history)
            ],
        )
    if decision.closed_tokens:
        await session.execute(
            update(task_tokens)
            .where(task_tokens.c.token.in_(decision.closed_tokens))
            .values(closed_at=now)
        )
    if decision.cancel_timers:
        await session.execute(
            delete(timers).where(
                tuple_(timers.c.execution_id, timers.c.timer_id).in_(
                    [(execution_id, timer_id) for timer_id in decision.cancel_timers]
                )
            )
        )
    for timer in decision.timers:
        statement = insert(timers).values(
            execution_id=execution_id, timer_id=timer.timer_id, due_at=timer.due_at
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[timers.c.execution_id, timers.c.timer_id],
                set_={"due_at": statement.excluded.due_at},
            )
        )
    messages: list[OutboxMessage] = []
    if decision.commands:
        await session.execute(
            insert(task_tokens),
            [
                {
                    "token": command.token,
                    "execution_id": execution_id,
                    "state_name": command.state_name,
                    "attempt": command.attempt,
                    "issued_at": now,
                }
                for command in decision.commands
            ],
        )
        rows = [
            {
                "execution_id": execution_id,
                "queue": command.queue,
                "message_id": command.token,
                "headers": command_headers(execution_id, command),
                "body": command.payload,
                "created_at": now,
            }
            for command in decision.commands
        ]
        result = await session.execute(
            insert(outbox).returning(outbox.c.id, sort_by_parameter_order=True), rows
        )
        messages = [
            OutboxMessage(
                outbox_id,
                execution_id,
                row["queue"],
                row["message_id"],
                row["headers"],
                row["body"],
            )
            for outbox_id, row in zip(result.scalars(), rows, strict=True)
        ]
    values: dict[str, Any] = {
        "engine_state": dict(decision.state.parts),
        "event_count": event_count + len(decision.history),
    }
    if decision.outcome is not None:
        values.update(
            status=decision.outcome.status,
            output=decision.outcome.output,
            error=decision.outcome.error,
            cause=decision.outcome.cause,
            stop_date=now,
        )
    await session.execute(
        update(executions).where(executions.c.execution_id == execution_id).values(**values)
    )
    return messages
