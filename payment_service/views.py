"""Read models for the HTTP API: payments as the console and the tests look at them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.tables import payments


async def list_payments(
    session: AsyncSession, order_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """The order's payment (at most one), or the most recent payments when no order is named."""
    query = select(
        payments.c.payment_id,
        payments.c.order_id,
        payments.c.status,
        payments.c.amount_cents,
        payments.c.refunded_cents,
        payments.c.currency,
        payments.c.decline_reason,
        payments.c.created_at,
        payments.c.updated_at,
    )
    if order_id is not None:
        query = query.where(payments.c.order_id == order_id)
    query = query.order_by(payments.c.created_at.desc(), payments.c.payment_id).limit(limit)
    rows = await session.execute(query)
    return [dict(row._mapping) for row in rows]
