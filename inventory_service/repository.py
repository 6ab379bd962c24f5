"""Stock and holds in Postgres.

Stock only moves through conditional updates (`available >= quantity` in the WHERE clause), so
however many transactions race for the last unit, Postgres lets exactly as many through as the
stock covers: a waiting UPDATE re-checks its WHERE against the row the winner committed.

Plain SQL on an asyncpg connection (servicekit.pg), as in payment's repository.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import asyncpg

from inventory_service.domain import Hold, HoldStatus, Line

_LOCK_HOLD = "SELECT hold_id, status FROM inventory.holds WHERE order_id = $1 FOR UPDATE"
_HOLD_LINES = "SELECT sku, quantity FROM inventory.hold_lines WHERE hold_id = $1 ORDER BY sku"
_CLAIM = """
INSERT INTO inventory.holds (hold_id, order_id, status) VALUES ($1, $2, $3)
ON CONFLICT (order_id) DO NOTHING
RETURNING hold_id
"""
_ADD_LINES = """
INSERT INTO inventory.hold_lines (hold_id, sku, quantity)
SELECT $1, sku, quantity FROM unnest($2::text[], $3::int[]) AS line(sku, quantity)
"""
_SET_STATUS = "UPDATE inventory.holds SET status = $2, updated_at = now() WHERE hold_id = $1"
_KNOWN_SKUS = "SELECT sku FROM inventory.items WHERE sku = ANY($1::text[])"
_TAKE = """
UPDATE inventory.items SET available = available - $2, updated_at = now()
WHERE sku = $1 AND available >= $2
RETURNING sku
"""
_PUT_BACK = """
UPDATE inventory.items SET available = available + $2, updated_at = now() WHERE sku = $1
"""
_STOCK_LEVELS = "SELECT sku, available FROM inventory.items WHERE sku = ANY($1::text[])"
# A whole hold in one statement (servicekit.inbox.OneStatement's WITH list), atomic on its own:
# lock the lines' stock rows in sku order (as every stock update does: no deadlocks), and only if
# the locked rows cover every line, claim the order's hold, take every line and record them.
# Nothing is written otherwise (a short line, an unknown sku, a hold the order has already), so
# the statement needs no BEGIN and COMMIT around it. Taking cannot fall short once the cover is
# seen: FOR UPDATE returns each row's newest version and keeps it locked to the end of the
# statement, and the lines are one per sku (`domain.order_lines`), so every UPDATE of `taken`
# meets the row the cover was counted on.
HOLD_IN_ONE_STATEMENT = """
line AS (
    SELECT sku, quantity FROM unnest($4::text[], $5::int[]) AS line(sku, quantity)
),
locked AS (
    SELECT item.sku, item.available FROM inventory.items AS item
    WHERE item.sku = ANY($4::text[])
    ORDER BY item.sku
    FOR UPDATE
),
covered AS (
    SELECT count(*) = cardinality($4::text[]) AS every_line
    FROM line JOIN locked USING (sku)
    WHERE locked.available >= line.quantity
),
hold AS (
    INSERT INTO inventory.holds (hold_id, order_id, status)
    SELECT $1, $2, $3 FROM covered WHERE covered.every_line
    ON CONFLICT (order_id) DO NOTHING
    RETURNING hold_id
),
taken AS (
    UPDATE inventory.items AS item
    SET available = item.available - line.quantity, updated_at = now()
    FROM line
    WHERE item.sku = line.sku AND item.available >= line.quantity AND EXISTS (SELECT FROM hold)
    RETURNING item.sku
),
held_lines AS (
    INSERT INTO inventory.hold_lines (hold_id, sku, quantity)
    SELECT hold.hold_id, line.sku, line.quantity FROM hold, line
)
"""
HOLD_TOOK_EVERY_LINE = "(SELECT count(*) FROM taken) = cardinality($4::text[])"

_RESTOCK = """
UPDATE inventory.items SET available = available + $2, updated_at = now() WHERE sku = $1
RETURNING sku, name, price_cents, currency, available
"""


async def lock_hold(connection: asyncpg.Connection, order_id: str) -> Hold | None:
    """The order's hold with its lines, locked until the transaction ends."""
    row = await connection.fetchrow(_LOCK_HOLD, order_id)
    if row is None:
        return None
    lines = await connection.fetch(_HOLD_LINES, row["hold_id"])
    return Hold(
        row["hold_id"],
        order_id,
        HoldStatus(row["status"]),
        tuple(Line(line["sku"], line["quantity"]) for line in lines),
    )


def holding(hold: Hold) -> tuple[Any, ...]:
    """The arguments of `HOLD_IN_ONE_STATEMENT` for `hold` (its lines one per sku)."""
    return (
        hold.hold_id,
        hold.order_id,
        hold.status.value,
        [line.sku for line in hold.lines],
        [line.quantity for line in hold.lines],
    )


async def claim(connection: asyncpg.Connection, hold: Hold) -> bool:
    """Record `hold` (without its lines) as the order's one hold; False if it already has one.

    A concurrent claim for the same order waits on the unique index until this one commits or
    rolls back, then sees its outcome.
    """
    inserted = await connection.fetchval(_CLAIM, hold.hold_id, hold.order_id, hold.status.value)
    return inserted is not None


async def add_lines(connection: asyncpg.Connection, hold_id: str, lines: Sequence[Line]) -> None:
    await connection.execute(
        _ADD_LINES, hold_id, [line.sku for line in lines], [line.quantity for line in lines]
    )


async def set_status(connection: asyncpg.Connection, hold_id: str, status: HoldStatus) -> None:
    await connection.execute(_SET_STATUS, hold_id, status.value)


async def known_skus(connection: asyncpg.Connection, skus: Collection[str]) -> set[str]:
    return {row["sku"] for row in await connection.fetch(_KNOWN_SKUS, list(skus))}


async def take(connection: asyncpg.Connection, line: Line) -> bool:
    """Take `line` off the shelf if the stock covers it; False (and nothing taken) if not."""
    return await connection.fetchval(_TAKE, line.sku, line.quantity) is not None


async def put_back(connection: asyncpg.Connection, lines: Sequence[Line]) -> None:
    """Return released lines to stock (in sku order, like every stock update: no deadlocks)."""
    for line in sorted(lines):
        await connection.execute(_PUT_BACK, line.sku, line.quantity)


async def stock_levels(connection: asyncpg.Connection, skus: Collection[str]) -> dict[str, int]:
    rows = await connection.fetch(_STOCK_LEVELS, list(skus))
    return {row["sku"]: row["available"] for row in rows}


async def restock(connection: asyncpg.Connection, sku: str, quantity: int) -> dict[str, Any] | None:
    """Add `quantity` units of `sku`; the item as it now is, or None if there is no such sku."""
    row = await connection.fetchrow(_RESTOCK, sku, quantity)
    return None if row is None else dict(row)
