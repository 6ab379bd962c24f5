"""Stock and holds in Postgres.

Stock only moves through conditional updates (`available >= quantity` in the WHERE clause), so
however many transactions race for the last unit, Postgres lets exactly as many through as the
stock covers: a waiting UPDATE re-checks its WHERE against the row the winner committed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from inventory_service.domain import Hold, HoldStatus, Line
from inventory_service.tables import hold_lines, holds, items


async def lock_hold(session: AsyncSession, order_id: str) -> Hold | None:
    """The order's hold with its lines, locked until the transaction ends."""
    row = (
        await session.execute(
            select(holds.c.hold_id, holds.c.status)
            .where(holds.c.order_id == order_id)
            .with_for_update()
        )
    ).first()
    if row is None:
        return None
    lines = await session.execute(
        select(hold_lines.c.sku, hold_lines.c.quantity)
        .where(hold_lines.c.hold_id == row.hold_id)
        .order_by(hold_lines.c.sku)
    )
    return Hold(
        row.hold_id,
        order_id,
        HoldStatus(row.status),
        tuple(Line(line.sku, line.quantity) for line in lines),
    )


async def claim(session: AsyncSession, hold: Hold) -> bool:
    """Record `hold` (without its lines) as the order's one hold; False if it already has one.

    A concurrent claim for the same order waits on the unique index until this one commits or
    rolls back, then sees its outcome.
    """
    inserted = await session.execute(
        insert(holds)
        .values(hold_id=hold.hold_id, order_id=hold.order_id, status=hold.status.value)
        .on_conflict_do_nothing(index_elements=[holds.c.order_id])
        .returning(holds.c.hold_id)
    )
    return inserted.first() is not None


async def add_lines(session: AsyncSession, hold_id: str, lines: Sequence[Line]) -> None:
    await session.execute(
        insert(hold_lines),
        [{"hold_id": hold_id, "sku": line.sku, "quantity": line.quantity} for line in lines],
    )


async def set_status(session: AsyncSession, hold_id: str, status: HoldStatus) -> None:
    await session.execute(
        update(holds)
        .where(holds.c.hold_id == hold_id)
        .values(status=status.value, updated_at=func.now())
    )


async def known_skus(session: AsyncSession, skus: Collection[str]) -> set[str]:
    found = await session.scalars(select(items.c.sku).where(items.c.sku.in_(list(skus))))
    return set(found)


async def take(session: AsyncSession, line: Line) -> bool:
    """Take `line` off the shelf if the stock covers it; False (and nothing taken) if not."""
    taken = await session.execute(
        update(items)
        .where(items.c.sku == line.sku, items.c.available >= line.quantity)
        .values(available=items.c.available - line.quantity, updated_at=func.now())
        .returning(items.c.sku)
    )
    return taken.first() is not None


async def put_back(session: AsyncSession, lines: Sequence[Line]) -> None:
    """Return released lines to stock (in sku order, like every stock update: no deadlocks)."""
    for line in sorted(lines):
        await session.execute(
            update(items)
            .where(items.c.sku == line.sku)
            .values(available=items.c.available + line.quantity, updated_at=func.now())
        )


async def stock_levels(session: AsyncSession, skus: Collection[str]) -> dict[str, int]:
    rows = await session.execute(
        select(items.c.sku, items.c.available).where(items.c.sku.in_(list(skus)))
    )
    return {row.sku: row.available for row in rows}


async def restock(session: AsyncSession, sku: str, quantity: int) -> dict[str, Any] | None:
    """Add `quantity` units of `sku`; the item as it now is, or None if there is no such sku."""
    row = (
        await session.execute(
            update(items)
            .where(items.c.sku == sku)
            .values(available=items.c.available + quantity, updated_at=func.now())
            .returning(
                items.c.sku, items.c.name, items.c.price_cents, items.c.currency, items.c.available
            )
        )
    ).first()
    return None if row is None else dict(row._mapping)
