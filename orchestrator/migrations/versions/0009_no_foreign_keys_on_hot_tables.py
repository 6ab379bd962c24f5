"""history_events and execution_parts without foreign keys to executions

A transition inserts four to five history events and upserts two or three parts; each row's
foreign key check was a query of its own inside Postgres (auto_explain: about 18 µs a row, 26
per execution of three Tasks in pg_stat_statements, about a fifth of Postgres' time on the engine
benchmark). The
checks guarded nothing the code does not already guarantee: these rows are only written by
the statements that insert or lock the execution's row in the same transaction
(orchestrator.statements), and retention deletes them explicitly with it (orchestrator.retention).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONSTRAINTS = (
    ("history_events", "history_events_execution_id_fkey"),
    ("execution_parts", "execution_parts_execution_id_fkey"),
)


def upgrade() -> None:
    for table, constraint in _CONSTRAINTS:
        op.execute(f"ALTER TABLE orchestrator.{table} DROP CONSTRAINT IF EXISTS {constraint}")


def downgrade() -> None:
    for table, constraint in _CONSTRAINTS:
        op.execute(
            f"ALTER TABLE orchestrator.{table} ADD CONSTRAINT {constraint}"
            " FOREIGN KEY (execution_id) REFERENCES orchestrator.executions (execution_id)"
        )
