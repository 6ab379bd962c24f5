"""Read models for the HTTP API: shipments as the console and the tests look at them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipping_service.tables import shipments


async def list_shipments(
    session: AsyncSession, order_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The order's shipment (at most one), or the most recent shipments."""
    query = select(
        shipments.c.shipment_id,
        shipments.c.order_id,
        shipments.c.status,
        shipments.c.tracking_number,
        shipments.c.carrier,
        shipments.c.country,
        shipments.c.created_at,
    )
    if order_id is not None:
        query = query.where(shipments.c.order_id == order_id)
    query = query.order_by(shipments.c.created_at.desc(), shipments.c.shipment_id).limit(limit)
    return [dict(row._mapping) for row in await session.execute(query)]
