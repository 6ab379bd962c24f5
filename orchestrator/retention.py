"""Retention of finished executions: like Step Functions, which keeps them 90 days, an execution
that stopped longer ago than the retention is deleted together with every row it left behind
(history, engine state parts, task tokens, timers, outbox rows, rejected replies).

Each batch is one statement, so one transaction: it claims the oldest finished executions with
FOR UPDATE SKIP LOCKED, so any number of orchestrators may prune at once and a transition holding
an execution (a redrive, a late reply being rejected) is never waited for: that execution is left
for the next round. A redrive makes an execution RUNNING again with no stop date, which takes it
out of reach. The foreign keys of history_events and execution_parts are checked at the end of
the statement, so the children and their execution go in the same one.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter

from servicekit.transient import log_failure

log = logging.getLogger(__name__)

EXECUTIONS_PRUNED = Counter(
    "orchestrator_executions_pruned_total", "Finished executions deleted by retention"
)

BATCH = 500

# Tables whose rows belong to one execution, by execution_id (each has an index leading with it).
_CHILD_TABLES = (
    "history_events",
    "execution_parts",
    "task_tokens",
    "timers",
    "outbox",
    "rejected_replies",
    "aws_execution_origins",
)

_CHILD_DELETES = ",\n".join(
    f"gone_{table} AS (\n"
    f"    DELETE FROM orchestrator.{table}\n"
    "    WHERE execution_id = ANY(ARRAY(SELECT execution_id FROM doomed))\n"
    ")"
    for table in _CHILD_TABLES
)

PRUNE_EXECUTIONS = f"""
WITH doomed AS (
    SELECT execution_id FROM orchestrator.executions
    WHERE stop_date < $1 AND status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED')
    ORDER BY stop_date
    LIMIT $2
    FOR UPDATE SKIP LOCKED
),
{_CHILD_DELETES}
DELETE FROM orchestrator.executions
WHERE execution_id = ANY(ARRAY(SELECT execution_id FROM doomed))
"""


# Replies whose token was never issued name no execution: they go by their own age.
PRUNE_UNKNOWN_REPLIES = """
DELETE FROM orchestrator.rejected_replies
WHERE execution_id IS NULL AND received_at < $1
"""


class Retention:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def prune_once(self, retention: timedelta, batch: int = BATCH) -> int:
        """Delete at most `batch` executions that finished more than `retention` ago, with all
        their rows, in one transaction; returns how many executions."""
        cutoff = datetime.now(UTC) - retention
        async with self._pool.acquire() as connection:
            status = await connection.execute(PRUNE_EXECUTIONS, cutoff, batch)
        pruned = int(status.split()[-1])
        EXECUTIONS_PRUNED.inc(pruned)
        return pruned

    async def prune(self, retention: timedelta, batch: int = BATCH) -> int:
        """Prune batch after batch until one comes back short; returns how many in all. Replies
        with unknown tokens older than `retention` go too."""
        async with self._pool.acquire() as connection:
            await connection.execute(PRUNE_UNKNOWN_REPLIES, datetime.now(UTC) - retention)
        total = 0
        while True:
            pruned = await self.prune_once(retention, batch)
            total += pruned
            if pruned < batch:
                return total

    async def run(
        self, retention: timedelta, every_seconds: float = 3600.0, batch: int = BATCH
    ) -> None:
        """Prune every `every_seconds`, for ever; a failed round is logged and tried again at
        the next one (what it committed before failing stays pruned)."""
        days = retention / timedelta(days=1)
        while True:
            try:
                pruned = await self.prune(retention, batch)
                if pruned:
                    log.info("pruned %d finished executions older than %g days", pruned, days)
            except Exception as exc:
                log_failure(log, "execution retention pass", exc)
            await asyncio.sleep(every_seconds)
