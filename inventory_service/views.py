"""Read models for the HTTP API: the catalog with its stock, and holds with their lines."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.tables import hold_lines, holds, items

_ITEM = (items.c.sku, items.c.name, items.c.price_cents, items.c.currency, items.c.available)


async def list_items(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(*_ITEM).order_by(items.c.sku))
    return [dict(row._mapping) for row in rows]


async def get_item(session: AsyncSession, sku: str) -> dict[str, Any] | None:
    row = (await session.execute(select(*_ITEM).where(items.c.sku == sku))).first()
    return None if row is None else dict(row._mapping)


async def list_holds(
    session: AsyncSession, order_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The order's hold (at most one), or the most recent holds; each with its lines."""
    query = select(
        holds.c.hold_id, holds.c.order_id, holds.c.status, holds.c.created_at, holds.c.updated_at
    )
    if order_id is not None:
        query = query.where(holds.c.order_id == order_id)
    query = query.order_by(holds.c.created_at.desc(), holds.c.hold_id).limit(limit)
    found = [dict(row._mapping) for row in await session.execute(query)]
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if found:
        rows = await session.execute(
            select(hold_lines.c.hold_id, hold_lines.c.sku, hold_lines.c.quantity)
            .where(hold_lines.c.hold_id.in_([hold["hold_id"] for hold in found]))
            .order_by(hold_lines.c.hold_id, hold_lines.c.sku)
        )
        for row in rows:
            lines[row.hold_id].append({"sku": row.sku, "quantity": row.quantity})
    return [{**hold, "items": lines[hold["hold_id"]]} for hold in found]
