"""The service layer: a command in, its effect recorded, a reply out.

`dispatch` runs inside the transaction `servicekit.inbox.CommandWorker` opens, so a shipment and
the inbox row that remembers the reply commit together. An order's first ShipOrder is also
offered as a plan, one statement with the inbox row (`plan_ship`); the worker falls back to
`ship_order` for every other case.
"""

from __future__ import annotations

import logging
import secrets
import uuid

import asyncpg

from servicekit.commands import CommandRouter, parse_body
from servicekit.inbox import CommandRejected, OneStatement
from servicekit.messages import Command, TaskReply
from shipping_service import domain, repository
from shipping_service.commands import ShipOrder

log = logging.getLogger(__name__)


def new_shipment_id() -> str:
    return f"shp_{uuid.uuid4().hex}"


async def ship_order(connection: asyncpg.Connection, command: Command) -> TaskReply:
    """Ship the order once; any later ShipOrder for it gets the same shipment back."""
    body = parse_body(ShipOrder, command)
    shipment = await repository.find_by_order(connection, body.order_id)
    if shipment is None:
        try:
            address = domain.shippable_address(body.address)
        except domain.ShippingError as exc:
            raise CommandRejected(exc.error, exc.cause) from exc
        fresh = domain.ship(new_shipment_id(), body.order_id, address, secrets.randbits(48))
        shipment = await repository.add_or_get(connection, fresh, body.items)
        _log_shipped(shipment)
    return TaskReply.succeeded(command.task_token, domain.shipment_result(shipment))


def plan_ship(command: Command) -> OneStatement | None:
    """Ship an order not shipped yet: the shipment row, in one statement."""
    body = parse_body(ShipOrder, command)
    try:
        address = domain.shippable_address(body.address)
    except domain.ShippingError:
        return None  # the handler refuses it (unless the order shipped before)
    fresh = domain.ship(new_shipment_id(), body.order_id, address, secrets.randbits(48))
    statement, args = repository.adding(fresh, body.items)
    reply = TaskReply.succeeded(command.task_token, domain.shipment_result(fresh))
    return OneStatement.insert(statement, args, reply, after_commit=lambda: _log_shipped(fresh))


def _log_shipped(shipment: domain.Shipment) -> None:
    log.info(
        "shipped with %s as %s",
        shipment.carrier,
        shipment.tracking_number,
        extra={"order_id": shipment.order_id, "event": "shipped"},
    )


dispatch = CommandRouter(
    "shipping",
    {"ShipOrder": ship_order},
    plans={"ShipOrder": plan_ship},
)
