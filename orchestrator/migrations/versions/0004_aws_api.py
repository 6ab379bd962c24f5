"""AWS's Step Functions API: state machine attributes, published versions, activities, tags

Additive: four new tables that orchestrator.aws_api alone reads and writes. The engine's tables
are untouched; a state machine without a row in aws_state_machines shows AWS's defaults.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aws_state_machines",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("role_arn", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False, server_default="STANDARD"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("deleted_at", sa.DateTime(timezone=True)),
        sa.Column("last_version", sa.Integer(), nullable=False, server_default="0"),
        schema="orchestrator",
    )
    op.create_table(
        "aws_state_machine_versions",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema="orchestrator",
    )
    op.create_table(
        "aws_activities",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema="orchestrator",
    )
    op.create_table(
        "aws_tags",
        sa.Column("resource_arn", sa.String(), primary_key=True),
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
        schema="orchestrator",
    )


def downgrade() -> None:
    op.drop_table("aws_tags", schema="orchestrator")
    op.drop_table("aws_activities", schema="orchestrator")
    op.drop_table("aws_state_machine_versions", schema="orchestrator")
    op.drop_table("aws_state_machines", schema="orchestrator")
