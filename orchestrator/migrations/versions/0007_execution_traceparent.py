"""The trace an execution belongs to (W3C traceparent of its StartExecution; NULL with tracing
off), so that a transition no message or request led to (a timer firing: a retry's backoff, a
Wait, a timeout) still publishes its commands in the execution's trace.

Additive: one nullable column.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("executions", sa.Column("traceparent", sa.Text()), schema="orchestrator")


def downgrade() -> None:
    op.drop_column("executions", "traceparent", schema="orchestrator")
