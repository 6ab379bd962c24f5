"""Payments in Postgres: the one row per order, read under a row lock for every change.

Plain SQL on the command's asyncpg connection (servicekit.pg): these run once or twice per
command, where SQLAlchemy's statement handling cost more CPU than the statements."""

from __future__ import annotations

from typing import Any

import asyncpg

from payment_service.domain import Payment, PaymentStatus

_LOCK_BY_ORDER = """
SELECT payment_id, order_id, status, amount_cents, refunded_cents, currency, decline_reason
FROM payment.payments WHERE order_id = $1 FOR UPDATE
"""
_ADD = """
INSERT INTO payment.payments
    (payment_id, order_id, status, amount_cents, refunded_cents, currency, decline_reason)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (order_id) DO NOTHING
RETURNING payment_id
"""
_SAVE = """
UPDATE payment.payments SET status = $2, refunded_cents = $3, updated_at = now()
WHERE payment_id = $1
"""


def _payment(row: asyncpg.Record) -> Payment:
    return Payment(
        payment_id=row["payment_id"],
        order_id=row["order_id"],
        status=PaymentStatus(row["status"]),
        amount_cents=row["amount_cents"],
        refunded_cents=row["refunded_cents"],
        currency=row["currency"],
        decline_reason=row["decline_reason"],
    )


async def lock_by_order(connection: asyncpg.Connection, order_id: str) -> Payment | None:
    """The order's payment, locked until the transaction ends (so its next change is ours)."""
    row = await connection.fetchrow(_LOCK_BY_ORDER, order_id)
    return None if row is None else _payment(row)


def adding(payment: Payment) -> tuple[str, tuple[Any, ...]]:
    """The statement that records `payment` unless the order has one, and its arguments: a row
    comes back only if it went in. For a command's plan (servicekit.inbox.OneStatement)."""
    return _ADD, (
        payment.payment_id,
        payment.order_id,
        payment.status.value,
        payment.amount_cents,
        payment.refunded_cents,
        payment.currency,
        payment.decline_reason,
    )


async def add_or_lock(connection: asyncpg.Connection, payment: Payment) -> Payment:
    """Record `payment`, unless the order got one meanwhile: then that one, locked.

    Two commands for one order racing here are serialized by the unique index on order_id:
    the second waits for the first to commit, then sees its row.
    """
    statement, args = adding(payment)
    inserted = await connection.fetchval(statement, *args)
    if inserted is not None:
        return payment
    existing = await lock_by_order(connection, payment.order_id)
    if existing is None:  # the conflicting row was committed, and rows are never deleted
        raise RuntimeError(f"payment for order {payment.order_id} vanished")
    return existing


async def save(connection: asyncpg.Connection, payment: Payment) -> None:
    """Write a changed payment (status and refund) back."""
    await connection.execute(
        _SAVE, payment.payment_id, payment.status.value, payment.refunded_cents
    )
