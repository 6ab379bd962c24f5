"""AWS's Step Functions API: state machine aliases, and how an execution was started

Additive: two new tables that orchestrator.aws_api alone reads and writes.
- aws_state_machine_aliases: CreateStateMachineAlias; `routing` is AWS's routingConfiguration
  as stored ([{"version": n, "weight": w}], one or two entries).
- aws_execution_origins: the published version (and the alias, if any) a StartExecution named,
  which DescribeExecution reports; an execution started otherwise has no row.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aws_state_machine_aliases",
        sa.Column("name", sa.String(), primary_key=True),
        sa.Column("alias", sa.String(), primary_key=True),
        sa.Column("description", sa.Text()),
        sa.Column("routing", JSONB(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        schema="orchestrator",
    )
    op.create_table(
        "aws_execution_origins",
        sa.Column("execution_id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String()),
        schema="orchestrator",
    )


def downgrade() -> None:
    op.drop_table("aws_execution_origins", schema="orchestrator")
    op.drop_table("aws_state_machine_aliases", schema="orchestrator")
