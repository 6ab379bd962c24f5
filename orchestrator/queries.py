"""Read-side queries of the control API: execution lists (histories are read by
orchestrator.service.Orchestrator.history, on the hot path's pool)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.tables import aws_execution_origins, executions


def encode_cursor(start_date: datetime, execution_id: str) -> str:
    raw = json.dumps([start_date.isoformat(), execution_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        start, execution_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(start), str(execution_id)
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
    version: int | None = None,
    alias: str | None = None,
) -> tuple[list[Any], str | None]:
    """Newest first, keyset-paged on (start_date, execution_id); `redriven` keeps only those
    redriven at least once (True) or never (False), as ListExecutions' redriveFilter;
    `version` and `alias` only those AWS's StartExecution started with that published version
    or through that alias (aws_execution_origins)."""
    query = select(executions)
    if version is not None or alias is not None:
        origins = aws_execution_origins
        query = query.join(origins, origins.c.execution_id == executions.c.execution_id)
        if version is not None:
            query = query.where(origins.c.version == version)
        if alias is not None:
            query = query.where(origins.c.alias == alias)
    if redriven is not None:
        query = query.where(
            executions.c.redrive_count > 0 if redriven else executions.c.redrive_count == 0
        )
    if state_machine_name:
        query = query.where(executions.c.state_machine_name == state_machine_name)
    if status:
        query = query.where(executions.c.status == status)
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
