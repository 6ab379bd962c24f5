"""indexes for retention: outbox and rejected_replies by execution

Retention (orchestrator.retention) deletes a finished execution together with every row it left,
by execution_id. history_events, execution_parts and timers have primary keys leading with it and
task_tokens has ix_task_tokens_execution (0002); outbox and rejected_replies had nothing, so each
batch scanned both tables whole.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_execution", "outbox", ["execution_id"], schema="orchestrator")
    op.create_index(
        "ix_rejected_replies_execution", "rejected_replies", ["execution_id"], schema="orchestrator"
    )


def downgrade() -> None:
    op.drop_index(
        "ix_rejected_replies_execution", table_name="rejected_replies", schema="orchestrator"
    )
    op.drop_index("ix_outbox_execution", table_name="outbox", schema="orchestrator")
