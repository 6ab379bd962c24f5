"""Shipments in Postgres: one row per order.

Plain SQL on the command's asyncpg connection (servicekit.pg), as in payment's repository."""

from __future__ import annotations

import dataclasses
from typing import Any

import asyncpg

from shipping_service.domain import Address, Shipment, ShipmentStatus

_FIND_BY_ORDER = """
SELECT shipment_id, order_id, status, carrier, tracking_number, address
FROM shipping.shipments WHERE order_id = $1 FOR UPDATE
"""
_ADD = """
INSERT INTO shipping.shipments
    (shipment_id, order_id, status, carrier, tracking_number, country, address, items)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
ON CONFLICT (order_id) DO NOTHING
RETURNING shipment_id
"""


def _shipment(row: asyncpg.Record) -> Shipment:
    return Shipment(
        row["shipment_id"],
        row["order_id"],
        ShipmentStatus(row["status"]),
        row["carrier"],
        row["tracking_number"],
        Address(**row["address"]),  # jsonb decoded by servicekit.pg's codec
    )


async def find_by_order(connection: asyncpg.Connection, order_id: str) -> Shipment | None:
    """The order's shipment, locked until the transaction ends."""
    row = await connection.fetchrow(_FIND_BY_ORDER, order_id)
    return None if row is None else _shipment(row)


def adding(shipment: Shipment, items: list[dict[str, Any]]) -> tuple[str, tuple[Any, ...]]:
    """The statement that records `shipment` unless the order has one, and its arguments: a row
    comes back only if it went in. For a command's plan (servicekit.inbox.OneStatement)."""
    return _ADD, (
        shipment.shipment_id,
        shipment.order_id,
        shipment.status.value,
        shipment.carrier,
        shipment.tracking_number,
        shipment.address.country,
        dataclasses.asdict(shipment.address),
        items,
    )


async def add_or_get(
    connection: asyncpg.Connection, shipment: Shipment, items: list[dict[str, Any]]
) -> Shipment:
    """Record `shipment`, unless the order was shipped meanwhile: then that shipment.

    Two ShipOrders for one order racing here are serialized by the unique index on order_id.
    """
    statement, args = adding(shipment, items)
    inserted = await connection.fetchval(statement, *args)
    if inserted is not None:
        return shipment
    existing = await find_by_order(connection, shipment.order_id)
    if existing is None:  # the conflicting row was committed, and rows are never deleted
        raise RuntimeError(f"the shipment of order {shipment.order_id} vanished")
    return existing
