"""Read-side queries of the control API and the console: execution lists and counts, history
pages, state machine versions (whole histories are read by
orchestrator.service.Orchestrator.history, on the hot path's pool)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.tables import aws_execution_origins, executions, history_events, state_machines
from servicekit.storable import why_unstorable


@dataclass(frozen=True)
class ExecutionFilter:
    """What an execution list is narrowed to; every field optional."""

    state_machine_name: str | None = None
    status: str | None = None
    name_contains: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None
    redriven: bool | None = None  # redriven at least once (True) or never (False)

    def apply(self, query: Select[Any], *, with_status: bool = True) -> Select[Any]:
        if self.redriven is not None:
            query = query.where(
                executions.c.redrive_count > 0 if self.redriven else executions.c.redrive_count == 0
            )
        if self.state_machine_name:
            query = query.where(executions.c.state_machine_name == self.state_machine_name)
        if self.status and with_status:
            query = query.where(executions.c.status == self.status)
        if self.name_contains:
            # An order's id is its execution's name: a part of it finds it.
            query = query.where(executions.c.name.contains(self.name_contains, autoescape=True))
        if self.started_after:
            query = query.where(executions.c.start_date >= self.started_after)
        if self.started_before:
            query = query.where(executions.c.start_date < self.started_before)
        return query


def encode_cursor(start_date: datetime, execution_id: str) -> str:
    raw = json.dumps([start_date.isoformat(), execution_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        start, execution_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        started = datetime.fromisoformat(start)
        # What we encoded: an aware time and an id Postgres can compare (no NUL).
        if started.tzinfo is None or why_unstorable(str(execution_id)) is not None:
            raise ValueError("not a cursor of ours")
        return started, str(execution_id)
    except (ValueError, TypeError) as exc:
        raise ValueError("cursor is not one this API returned") from exc


async def list_executions(
    session: AsyncSession,
    state_machine_name: str | None,
    status: str | None,
    limit: int,
    cursor: str | None,
    *,
    redriven: bool | None = None,
    name_contains: str | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    version: int | None = None,
    alias: str | None = None,
) -> tuple[list[Any], str | None]:
    """Newest first, keyset-paged on (start_date, execution_id), narrowed as ExecutionFilter
    says (`redriven`: as ListExecutions' redriveFilter); `version` and `alias` keep only those
    AWS's StartExecution started with that published version or through that alias
    (aws_execution_origins)."""
    where = ExecutionFilter(
        state_machine_name, status, name_contains, started_after, started_before, redriven
    )
    query = where.apply(select(executions))
    if version is not None or alias is not None:
        origins = aws_execution_origins
        query = query.join(origins, origins.c.execution_id == executions.c.execution_id)
        if version is not None:
            query = query.where(origins.c.version == version)
        if alias is not None:
            query = query.where(origins.c.alias == alias)
    if cursor:
        start, execution_id = decode_cursor(cursor)
        query = query.where(
            or_(
                executions.c.start_date < start,
                and_(executions.c.start_date == start, executions.c.execution_id < execution_id),
            )
        )
    query = query.order_by(executions.c.start_date.desc(), executions.c.execution_id.desc())
    rows = (await session.execute(query.limit(limit + 1))).all()
    page, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(page[-1].start_date, page[-1].execution_id) if more else None
    return list(page), next_cursor


async def count_by_status(session: AsyncSession, where: ExecutionFilter) -> dict[str, int]:
    """How many executions each status has, under every filter but the status itself."""
    query = where.apply(
        select(executions.c.status, func.count()).group_by(executions.c.status),
        with_status=False,
    )
    return {status: count for status, count in (await session.execute(query)).all()}


async def history_page(
    session: AsyncSession, execution_id: str, after: int, limit: int, reverse: bool
) -> list[Any]:
    """Events after event id `after` (before it, when `reverse`; 0 = from the first / last)."""
    query = select(
        history_events.c.event_id,
        history_events.c.previous_event_id,
        history_events.c.timestamp,
        history_events.c.type,
        history_events.c.details,
    ).where(history_events.c.execution_id == execution_id)
    if reverse:
        if after:
            query = query.where(history_events.c.event_id < after)
        query = query.order_by(history_events.c.event_id.desc())
    else:
        query = query.where(history_events.c.event_id > after)
        query = query.order_by(history_events.c.event_id)
    return list((await session.execute(query.limit(limit))).mappings().all())


async def history_from(
    session: AsyncSession, execution_id: str, after: int = 0, chunk: int = 2000
) -> AsyncIterator[list[Any]]:
    """Every event after `after`, oldest first, a chunk at a time (never one huge fetch)."""
    while True:
        events = await history_page(session, execution_id, after, chunk, reverse=False)
        if not events:
            return
        yield events
        after = events[-1]["event_id"]


async def execution_row(session: AsyncSession, execution_id: str) -> Any | None:
    query = select(executions).where(executions.c.execution_id == execution_id)
    return (await session.execute(query)).first()


async def versions_of(session: AsyncSession, name: str) -> list[Any]:
    """A state machine's versions, newest first (without their definitions)."""
    query = (
        select(state_machines.c.name, state_machines.c.version, state_machines.c.created_at)
        .where(state_machines.c.name == name)
        .order_by(state_machines.c.version.desc())
    )
    return list((await session.execute(query)).all())
