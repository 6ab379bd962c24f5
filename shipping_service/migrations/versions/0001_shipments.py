"""Create the shipments and inbox tables.

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

SCHEMA = "shipping"


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "shipments",
        sa.Column("shipment_id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, nullable=False, unique=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("carrier", sa.String, nullable=False),
        sa.Column("tracking_number", sa.String, nullable=False, unique=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("address", JSONB, nullable=False),
        sa.Column("items", JSONB, nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("status IN ('SHIPPED')", name="shipments_status"),
        schema=SCHEMA,
    )
    op.create_index("shipments_created_at", "shipments", ["created_at"], schema=SCHEMA)
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String, primary_key=True),
        sa.Column("command_type", sa.String, nullable=False),
        sa.Column("reply", JSONB),
        _timestamp("received_at"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("shipments", schema=SCHEMA)
