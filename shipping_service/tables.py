"""shipping's tables, in its own Postgres schema. The migrations create them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, MetaData, String, Table, func
from sqlalchemy.dialects.postgresql import JSONB

from servicekit.inbox import inbox_table

SCHEMA = "shipping"

metadata = MetaData(schema=SCHEMA)

shipments = Table(
    "shipments",
    metadata,
    Column("shipment_id", String, primary_key=True),
    # Unique: an order ships once, whatever the number of commands asking.
    Column("order_id", String, nullable=False, unique=True),
    Column("status", String, nullable=False),
    Column("carrier", String, nullable=False),
    Column("tracking_number", String, nullable=False, unique=True),
    Column("country", String(2), nullable=False),
    Column("address", JSONB, nullable=False),
    Column("items", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('SHIPPED')", name="shipments_status"),
    Index("shipments_created_at", "created_at"),
)

inbox = inbox_table(metadata)
