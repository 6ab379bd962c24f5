"""Tables that strangers can make grow are bounded: rows older than an age go, and beyond a
number of rows the oldest go, whatever their age. Today that is `rejected_replies`: anyone who
can send a reply (a bogus token posted in a loop) adds a row to it per request.

The cap keeps the newest rows, by id (ids grow with time). Both deletes are one statement
each, run every `every_seconds` by any number of orchestrators: a row deleted twice is deleted
once. Between two passes the table can pass its cap by what arrives meanwhile."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import Counter

from servicekit.transient import log_failure

log = logging.getLogger(__name__)

ROWS_PRUNED = Counter(
    "orchestrator_bounded_rows_pruned_total", "Rows deleted to keep a table bounded", ["table"]
)


@dataclass(frozen=True)
class Bound:
    table: str  # schema-qualified
    max_age: timedelta
    max_rows: int
    id_column: str = "id"  # grows with time
    time_column: str = "received_at"

    @property
    def prune_old(self) -> str:
        return f"DELETE FROM {self.table} WHERE {self.time_column} < $1"

    @property
    def prune_beyond_cap(self) -> str:
        # The id of the cap-th newest row; everything older goes.
        return (
            f"DELETE FROM {self.table} WHERE {self.id_column} < ("
            f"SELECT {self.id_column} FROM {self.table} "
            f"ORDER BY {self.id_column} DESC OFFSET $1 - 1 LIMIT 1)"
        )


def rejected_replies(max_age: timedelta, max_rows: int) -> Bound:
    return Bound("orchestrator.rejected_replies", max_age, max_rows)


# A rejected reply's row keeps its token and payload for inspection, each cut to this much, so
# that a row is small whatever a sender put in it (over AMQP nothing else bounds a token).
MAX_KEPT_TOKEN = 1024
MAX_KEPT_PAYLOAD = 8 * 1024


def kept_token(token: str) -> str:
    return token[:MAX_KEPT_TOKEN]


def kept_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload`, or in its place a note of its size when its JSON is longer than we keep."""
    size = len(json.dumps(payload))
    if size <= MAX_KEPT_PAYLOAD:
        return payload
    return {
        "taskToken": kept_token(str(payload.get("taskToken"))),
        "status": payload.get("status"),
        "truncated": f"the reply was {size} characters of JSON; at most {MAX_KEPT_PAYLOAD} kept",
    }


class Bounds:
    def __init__(self, pool: asyncpg.Pool, bounds: list[Bound]) -> None:
        self._pool = pool
        self._bounds = bounds

    async def enforce_once(self) -> dict[str, int]:
        """Prune every table to its bound; returns the rows deleted per table."""
        pruned: dict[str, int] = {}
        async with self._pool.acquire() as connection:
            for bound in self._bounds:
                cutoff = datetime.now(UTC) - bound.max_age
                old = await connection.execute(bound.prune_old, cutoff)
                over = await connection.execute(bound.prune_beyond_cap, max(bound.max_rows, 1))
                count = int(old.split()[-1]) + int(over.split()[-1])
                ROWS_PRUNED.labels(bound.table).inc(count)
                pruned[bound.table] = count
        return pruned

    async def run(self, every_seconds: float) -> None:
        """Enforce every `every_seconds`, for ever; a failed pass is logged and tried again."""
        while True:
            try:
                for table, count in (await self.enforce_once()).items():
                    if count:
                        log.info("pruned %d rows of %s to keep it bounded", count, table)
            except Exception as exc:
                log_failure(log, "bounding tables", exc)
            await asyncio.sleep(every_seconds)
