"""Shipments in Postgres: one row per order."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shipping_service.domain import Address, Shipment, ShipmentStatus
from shipping_service.tables import shipments


def _shipment(row: Any) -> Shipment:
    return Shipment(
        row.shipment_id,
        row.order_id,
        ShipmentStatus(row.status),
        row.carrier,
        row.tracking_number,
        Address(**row.address),
    )


async def find_by_order(session: AsyncSession, order_id: str) -> Shipment | None:
    """The order's shipment, locked until the transaction ends."""
    row = (
        await session.execute(
            select(shipments).where(shipments.c.order_id == order_id).with_for_update()
        )
    ).first()
    return None if row is None else _shipment(row)


async def add_or_get(
    session: AsyncSession, shipment: Shipment, items: list[dict[str, Any]]
) -> Shipment:
    """Record `shipment`, unless the order was shipped meanwhile: then that shipment.

    Two ShipOrders for one order racing here are serialized by the unique index on order_id.
    """
    inserted = await session.execute(
        insert(shipments)
        .values(
            shipment_id=shipment.shipment_id,
            order_id=shipment.order_id,
            status=shipment.status.value,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
            country=shipment.address.country,
            address=dataclasses.asdict(shipment.address),
            items=items,
        )
        .on_conflict_do_nothing(index_elements=[shipments.c.order_id])
        .returning(shipments.c.shipment_id)
    )
    if inserted.first() is not None:
        return shipment
    existing = await find_by_order(session, shipment.order_id)
    if existing is None:  # the conflicting row was committed, and rows are never deleted
        raise RuntimeError(f"the shipment of order {shipment.order_id} vanished")
    return existing
