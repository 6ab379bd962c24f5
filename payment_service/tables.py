"""payment's tables, in its own Postgres schema. The migrations create them; this describes them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    func,
)

from servicekit.inbox import inbox_table

SCHEMA = "payment"

metadata = MetaData(schema=SCHEMA)

payments = Table(
    "payments",
    metadata,
    Column("payment_id", String, primary_key=True),
    # Unique: an order is charged at most once, whatever the number of commands asking.
    Column("order_id", String, nullable=False, unique=True),
    Column("status", String, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False, server_default="0"),
    Column("currency", String(3)),
    Column("decline_reason", String),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "status IN ('CHARGED', 'REFUNDED', 'DECLINED', 'VOIDED')", name="payments_status"
    ),
    CheckConstraint("refunded_cents BETWEEN 0 AND amount_cents", name="payments_refund_bounded"),
    Index("payments_created_at", "created_at"),
)

inbox = inbox_table(metadata)
