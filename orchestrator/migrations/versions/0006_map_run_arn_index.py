"""DescribeMapRun: MapRunStarted events found by their Map Run's ARN

Additive: a partial expression index on history_events, over the MapRunStarted events alone (a
distributed Map's first event), so that no other event pays for it.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_history_map_run_arn"
        " ON orchestrator.history_events ((details->>'mapRunArn'))"
        " WHERE type = 'MapRunStarted'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS orchestrator.ix_history_map_run_arn")
