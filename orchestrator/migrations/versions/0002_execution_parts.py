"""engine state as parts: one row per part, a state version per execution

The engine's record of an execution is now named parts (orchestrator.engine.api.ExecutionState),
each stored as its own row, so that a reply to one Map iteration writes a few small rows instead
of rewriting the whole state. `state_version` is a random tag written with every write of an
execution's state: an orchestrator that kept the state in memory uses it to know its copy is
still current.

Executions still RUNNING in the old single-document format cannot be carried over (their state
has no parts): finish or stop them before upgrading. Finished ones keep their history and
results; their old document is dropped.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "execution_parts",
        sa.Column("execution_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(["execution_id"], ["orchestrator.executions.execution_id"]),
        sa.PrimaryKeyConstraint("execution_id", "key"),
        schema="orchestrator",
    )
    op.add_column(
        "executions",
        sa.Column("state_version", sa.BigInteger(), server_default="0", nullable=False),
        schema="orchestrator",
    )
    op.drop_column("executions", "engine_state", schema="orchestrator")
    # Retention deletes finished executions by stop date.
    op.create_index(
        "ix_executions_stop_date",
        "executions",
        ["stop_date"],
        unique=False,
        schema="orchestrator",
        postgresql_where=sa.text("stop_date IS NOT NULL"),
    )
    op.create_index(
        "ix_task_tokens_execution", "task_tokens", ["execution_id"], schema="orchestrator"
    )


def downgrade() -> None:
    op.drop_index("ix_task_tokens_execution", table_name="task_tokens", schema="orchestrator")
    op.drop_index("ix_executions_stop_date", table_name="executions", schema="orchestrator")
    op.add_column(
        "executions",
        sa.Column(
            "engine_state",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        schema="orchestrator",
    )
    op.drop_column("executions", "state_version", schema="orchestrator")
    op.drop_table("execution_parts", schema="orchestrator")
