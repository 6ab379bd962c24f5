"""The orchestrator's backlog as gauges, counted from its tables when /metrics is scraped (not
maintained in memory: with N orchestrators only the database knows the whole)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncpg
from prometheus_client import Gauge

RUNNING = Gauge(
    "orchestrator_running_executions", "Executions RUNNING, by state machine", ["state_machine"]
)
DUE_TIMERS = Gauge("orchestrator_due_timers", "Timers whose due time has passed, not yet fired")
UNPUBLISHED = Gauge("orchestrator_outbox_unpublished", "Outbox rows not yet marked published")

# One statement, bounded in time, so that a slow scrape never holds a connection long.
_COUNTS = """
SELECT
  (SELECT count(*) FROM orchestrator.timers WHERE due_at <= $1) AS due,
  (SELECT count(*) FROM orchestrator.outbox WHERE published_at IS NULL) AS unpublished,
  (SELECT coalesce(json_object_agg(state_machine_name, n), '{}')::text FROM (
     SELECT state_machine_name, count(*) AS n FROM orchestrator.executions
     WHERE status = 'RUNNING' GROUP BY state_machine_name) running) AS running
"""
TIMEOUT_SECONDS = 2.0


class BacklogGauges:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._machines: set[str] = set()

    async def refresh(self) -> None:
        async with self._pool.acquire() as connection:
            row = await connection.fetchrow(_COUNTS, datetime.now(UTC), timeout=TIMEOUT_SECONDS)
        DUE_TIMERS.set(row["due"])
        UNPUBLISHED.set(row["unpublished"])
        running: dict[str, int] = json.loads(row["running"])
        for machine in self._machines - running.keys():
            RUNNING.labels(machine).set(0)  # none left: 0, not the last count
        for machine, count in running.items():
            RUNNING.labels(machine).set(count)
        self._machines |= running.keys()
