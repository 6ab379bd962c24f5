"""The service layer: a command in, its effect recorded, a reply out.

`dispatch` runs inside the transaction `servicekit.inbox.CommandWorker` opens, so stock, holds and
the inbox row that remembers the reply commit together. An order's first HoldItems is also
offered as a plan, one statement with the inbox row (`plan_hold`); the worker falls back to
`hold_items` whenever it did not take every line (the handler then says which were short).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

import asyncpg

from inventory_service import domain, repository
from inventory_service.commands import HoldItems, ReleaseHold
from servicekit.commands import CommandRouter, parse_body
from servicekit.inbox import CommandRejected, OneStatement
from servicekit.messages import Command, TaskReply
from servicekit.money import format_lines

log = logging.getLogger(__name__)


def new_hold_id() -> str:
    return f"hold_{uuid.uuid4().hex}"


async def hold_items(connection: asyncpg.Connection, command: Command) -> TaskReply:
    """Hold every line of the order or none; once per order."""
    body = parse_body(HoldItems, command)
    try:
        lines = domain.order_lines((item.sku, item.quantity) for item in body.items)
        hold = await repository.lock_hold(connection, body.order_id)
        if hold is None:
            # A line the stock cannot cover raises, and the refusal rolls the whole command
            # transaction back (servicekit.inbox), lines taken before it included: no savepoint.
            hold = await _place_hold(connection, body.order_id, lines)
        return TaskReply.succeeded(command.task_token, domain.hold_result(hold))
    except domain.InventoryError as exc:
        raise CommandRejected(exc.error, exc.cause) from exc


async def _place_hold(
    connection: asyncpg.Connection, order_id: str, lines: Sequence[domain.Line]
) -> domain.Hold:
    domain.check_known(lines, await repository.known_skus(connection, [ln.sku for ln in lines]))
    hold = domain.Hold(new_hold_id(), order_id, domain.HoldStatus.HELD, tuple(lines))
    if not await repository.claim(connection, hold):
        # Another command for this order committed while we looked: answer with its hold.
        return await _locked_hold(connection, order_id)
    short = [line for line in lines if not await repository.take(connection, line)]
    if short:
        levels = await repository.stock_levels(connection, [line.sku for line in short])
        raise domain.out_of_stock(short, levels)
    await repository.add_lines(connection, hold.hold_id, lines)
    _log_held(hold)
    return hold


def plan_hold(command: Command) -> OneStatement | None:
    """Hold an order's lines, all of them, in one statement."""
    body = parse_body(HoldItems, command)
    try:
        lines = domain.order_lines((item.sku, item.quantity) for item in body.items)
    except domain.InventoryError:
        return None  # the handler refuses it
    hold = domain.Hold(new_hold_id(), body.order_id, domain.HoldStatus.HELD, tuple(lines))
    return OneStatement(
        ctes=repository.HOLD_IN_ONE_STATEMENT,
        done=repository.HOLD_TOOK_EVERY_LINE,
        args=repository.holding(hold),
        reply=TaskReply.succeeded(command.task_token, domain.hold_result(hold)),
        after_commit=lambda: _log_held(hold),
        needs_transaction=False,  # it writes all of the hold or nothing (repository)
    )


def _log_held(hold: domain.Hold) -> None:
    log.info(
        "held %s",
        format_lines(hold.lines),
        extra={"order_id": hold.order_id, "event": "held"},
    )


async def release_hold(connection: asyncpg.Connection, command: Command) -> TaskReply:
    """Put the order's held stock back, once; with no hold yet, leave a tombstone."""
    body = parse_body(ReleaseHold, command)
    hold = await repository.lock_hold(connection, body.order_id)
    if hold is None:
        tombstone = domain.tombstone(new_hold_id(), body.order_id)
        # A hold racing this release either commits first (then we release it) or finds this.
        hold = tombstone if await repository.claim(connection, tombstone) else None
    if hold is None:
        hold = await _locked_hold(connection, body.order_id)
    released, returned = domain.release(hold)
    if returned:
        await repository.put_back(connection, returned)
        await repository.set_status(connection, released.hold_id, released.status)
        log.info(
            "released %s",
            format_lines(returned),
            extra={"order_id": body.order_id, "event": "released"},
        )
    return TaskReply.succeeded(command.task_token, domain.release_result(released, returned))


async def _locked_hold(connection: asyncpg.Connection, order_id: str) -> domain.Hold:
    hold = await repository.lock_hold(connection, order_id)
    if hold is None:  # the claim conflicted with a committed row, and holds are never deleted
        raise RuntimeError(f"the hold of order {order_id} vanished")
    return hold


dispatch = CommandRouter(
    "inventory",
    {
        "HoldItems": hold_items,
        "ReleaseHold": release_hold,
    },
    plans={"HoldItems": plan_hold},
)
