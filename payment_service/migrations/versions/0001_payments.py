"""Create the payments and inbox tables.

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

SCHEMA = "payment"


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("payment_id", sa.String, primary_key=True),
        sa.Column("order_id", sa.String, nullable=False, unique=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("refunded_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("currency", sa.String(3)),
        sa.Column("decline_reason", sa.String),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "status IN ('CHARGED', 'REFUNDED', 'DECLINED', 'VOIDED')", name="payments_status"
        ),
        sa.CheckConstraint(
            "refunded_cents BETWEEN 0 AND amount_cents", name="payments_refund_bounded"
        ),
        schema=SCHEMA,
    )
    op.create_index("payments_created_at", "payments", ["created_at"], schema=SCHEMA)
    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String, primary_key=True),
        sa.Column("command_type", sa.String, nullable=False),
        sa.Column("reply", JSONB),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("payments", schema=SCHEMA)
