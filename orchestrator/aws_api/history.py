"""GetExecutionHistory: stored events, paged by event id, in AWS's shapes
(orchestrator.engine.aws_history names each event's details key)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.context import AwsApi
from orchestrator.aws_api.lookups import execution_or_error
from orchestrator.aws_api.map_runs import map_run_arn
from orchestrator.aws_api.shapes import Request, json_text, page, timestamp
from orchestrator.engine.aws_history import aws_event
from orchestrator.tables import history_events

# Fields AWS returns as JSON text; includeExecutionData=false leaves them out.
_DATA_FIELDS = ("input", "output")


async def events_page(
    session: AsyncSession, execution_id: str, after: int | None, limit: int, reverse: bool
) -> tuple[list[Any], bool]:
    """Events of one execution past event `after` in the order asked, at most `limit`, and
    whether more follow."""
    query = select(history_events).where(history_events.c.execution_id == execution_id)
    if after is not None:
        query = query.where(
            history_events.c.event_id < after if reverse else history_events.c.event_id > after
        )
    order = history_events.c.event_id.desc() if reverse else history_events.c.event_id
    rows = (await session.execute(query.order_by(order).limit(limit + 1))).all()
    return list(rows[:limit]), len(rows) > limit


def render(row: Any, include_data: bool, arns: Arns) -> dict[str, Any]:
    details = dict(row.details)
    if "mapRunArn" in details:
        details["mapRunArn"] = map_run_arn(arns, details["mapRunArn"])
    for field in _DATA_FIELDS:
        if field not in details:
            continue
        if not include_data:
            del details[field]
        elif not isinstance(details[field], str):
            details[field] = json_text(details[field])
    event = aws_event(row.event_id, row.previous_event_id, row.timestamp, row.type, details)
    event["timestamp"] = timestamp(row.timestamp)
    return event


async def get_execution_history(api: AwsApi, request: Request) -> dict[str, Any]:
    execution = await execution_or_error(api, request.get("executionArn"))
    limit, after = request.page_size(), request.next_token("GetExecutionHistory")
    reverse = request.flag("reverseOrder")
    include_data = request.get("includeExecutionData") is not False
    async with api.sessions() as session:
        rows, more = await events_page(session, execution.execution_id, after, limit, reverse)
    events = [render(row, include_data, api.arns) for row in rows]
    return page("events", events, "GetExecutionHistory", rows[-1].event_id if more else None)
