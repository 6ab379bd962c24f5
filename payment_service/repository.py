"""Payments in Postgres: the one row per order, read under a row lock for every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service.domain import Payment, PaymentStatus
from payment_service.tables import payments

_FIELDS = (
    payments.c.payment_id,
    payments.c.order_id,
    payments.c.status,
    payments.c.amount_cents,
    payments.c.refunded_cents,
    payments.c.currency,
    payments.c.decline_reason,
)


def _payment(row: Any) -> Payment:
    return Payment(
        payment_id=row.payment_id,
        order_id=row.order_id,
        status=PaymentStatus(row.status),
        amount_cents=row.amount_cents,
        refunded_cents=row.refunded_cents,
        currency=row.currency,
        decline_reason=row.decline_reason,
    )


async def lock_by_order(session: AsyncSession, order_id: str) -> Payment | None:
    """The order's payment, locked until the transaction ends (so its next change is ours)."""
    row = (
        await session.execute(
            select(*_FIELDS).where(payments.c.order_id == order_id).with_for_update()
        )
    ).first()
    return None if row is None else _payment(row)


async def add_or_lock(session: AsyncSession, payment: Payment) -> Payment:
    """Record `payment`, unless the order got one meanwhile: then that one, locked.

    Two commands for one order racing here are serialized by the unique index on order_id:
    the second waits for the first to commit, then sees its row.
    """
    inserted = await session.execute(
        insert(payments)
        .values(
            payment_id=payment.payment_id,
            order_id=payment.order_id,
            status=payment.status.value,
            amount_cents=payment.amount_cents,
            refunded_cents=payment.refunded_cents,
            currency=payment.currency,
            decline_reason=payment.decline_reason,
        )
        .on_conflict_do_nothing(index_elements=[payments.c.order_id])
        .returning(payments.c.payment_id)
    )
    if inserted.first() is not None:
        return payment
    existing = await lock_by_order(session, payment.order_id)
    if existing is None:  # the conflicting row was committed, and rows are never deleted
        raise RuntimeError(f"payment for order {payment.order_id} vanished")
    return existing


async def save(session: AsyncSession, payment: Payment) -> None:
    """Write a changed payment (status and refund) back."""
    await session.execute(
        update(payments)
        .where(payments.c.payment_id == payment.payment_id)
        .values(
            status=payment.status.value,
            refunded_cents=payment.refunded_cents,
            updated_at=func.now(),
        )
    )
