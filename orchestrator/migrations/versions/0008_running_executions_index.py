"""The running-executions gauge without a scan of every execution ever kept

Additive: a partial index over the RUNNING executions alone, by state machine, which
orchestrator.gauges counts on every /metrics scrape. An execution enters and leaves it once (its
start, its end), so the transitions in between stay HOT updates.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_executions_running"
        " ON orchestrator.executions (state_machine_name) WHERE status = 'RUNNING'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS orchestrator.ix_executions_running")
