"""Create the catalog, holds and inbox tables.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "inventory"


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "items",
        sa.Column("sku", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("price_cents", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("available", sa.Integer, nullable=False),
        _timestamp("updated_at"),
        sa.CheckConstraint("available >= 0", name="items_available_not_negative"),
        sa.CheckConstraint("price_cents >= 0", name="items_price_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "holds",
        sa.Column("hold_id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, nullable=False, unique=True),
        sa.Column("status", sa.String, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("status IN ('HELD', 'RELEASED')", name="holds_status"),
        schema=SCHEMA,
    )
    op.create_index("holds_created_at", "holds", ["created_at"], schema=SCHEMA)
    op.create_table(
        "hold_lines",
        sa.Column("hold_id", sa.String, sa.ForeignKey(f"{SCHEMA}.holds.hold_id"), primary_key=True),
        sa.Column("sku", sa.String, sa.ForeignKey(f"{SCHEMA}.items.sku"), primary_key=True),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.CheckConstraint("quantity > 0", name="hold_lines_quantity_positive"),
        schema=SCHEMA,
    )
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String, primary_key=True),
        sa.Column("command_type", sa.String, nullable=False),
        sa.Column("reply", JSONB),
        _timestamp("received_at"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("inbox", "hold_lines", "holds", "items"):
        op.drop_table(table, schema=SCHEMA)
