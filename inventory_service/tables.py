"""inventory's tables, in its own Postgres schema. The migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
)

from servicekit.inbox import inbox_table

SCHEMA = "inventory"

metadata = MetaData(schema=SCHEMA)

items = Table(
    "items",
    metadata,
    Column("sku", String, primary_key=True),
    Column("name", String, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("available", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The last line of defence against overselling: Postgres itself refuses negative stock.
    CheckConstraint("available >= 0", name="items_available_not_negative"),
    CheckConstraint("price_cents >= 0", name="items_price_not_negative"),
)

holds = Table(
    "holds",
    metadata,
    Column("hold_id", String, primary_key=True),
    # Unique: one hold per order, so a repeated HoldItems can never hold twice.
    Column("order_id", String, nullable=False, unique=True),
    Column("status", String, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('HELD', 'RELEASED')", name="holds_status"),
    Index("holds_created_at", "created_at"),
)

hold_lines = Table(
    "hold_lines",
    metadata,
    Column("hold_id", String, ForeignKey(holds.c.hold_id), primary_key=True),
    Column("sku", String, ForeignKey(items.c.sku), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="hold_lines_quantity_positive"),
)

inbox = inbox_table(metadata)
