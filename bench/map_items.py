"""The `map` part: one execution of a Map over N items, end to end through a real orchestrator.

The issue's target: a Map over 10,000 items completes, with cost per item flat (per-item time at
10,000 items within 1.5x of that at 1,000), and no row rewritten in full per item.

Per size and MaxConcurrency (bench/__main__.py runs each on a fresh database and vhost with its
own orchestrator and echo worker): the workflow is a single Map state whose item processor is
one Task answered at once by the echo worker (bench/echo.py). One execution is started with
`POST /executions` and `{"items": [0, 1, ..., N-1]}`; the driver then polls the executions
table (and, for the progress bar, the count of MapIterationSucceeded events) every 0.5 s until
the execution is no longer RUNNING. Time is from just before the POST to the stopDate the
orchestrator recorded, so the polling does not add to it.

What the run wrote: the growth of `pg_total_relation_size` of orchestrator.execution_parts and
orchestrator.history_events (dead row versions included, less what autovacuum made reusable
meanwhile), the largest value in execution_parts at each poll and after the run (a part that
every item rewrites whole would show as a part growing with N, and as bytes per item growing
with N), and the server's WAL bytes (whole server: anything else writing to this Postgres
meanwhile is counted too)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg

from bench import env
from bench.echo import QUEUE
from bench.http_client import HttpClient
from bench.progress import bar
from bench.workers import Worker, wait_consuming

MACHINE = "bench-map"
POLL_SECONDS = 0.5
TIMEOUT_SECONDS = 1800.0
TABLES = ("execution_parts", "history_events")
LARGEST_PART = (
    "SELECT key, pg_column_size(value) AS bytes FROM orchestrator.execution_parts "
    "ORDER BY pg_column_size(value) DESC LIMIT 1"
)


def workflow(concurrency: int) -> dict[str, Any]:
    """A single Map state over `$.items`, each item one Task answered by the echo worker."""
    return {
        "Comment": "One Map over the input's items, each a Task answered at once.",
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": concurrency,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {
                        "Work": {
                            "Type": "Task",
                            "Resource": f"rabbitmq:{QUEUE}",
                            "Parameters": {"taskToken.$": "$$.Task.Token", "item.$": "$"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }


async def table_bytes(connection: asyncpg.Connection) -> dict[str, int]:
    """pg_total_relation_size of each of TABLES (heap, TOAST and indexes)."""
    return {
        table: int(
            await connection.fetchval(
                "SELECT pg_total_relation_size($1::regclass)", f"orchestrator.{table}"
            )
        )
        for table in TABLES
    }


async def wal_position(connection: asyncpg.Connection) -> str:
    return str(await connection.fetchval("SELECT pg_current_wal_lsn()::text"))


async def run_one(
    url: str, database_url: str, amqp_url: str, echo: Worker, size: int, concurrency: int
) -> dict[str, Any]:
    """Start one Map execution over `size` items and wait for its end; its figures."""
    await wait_consuming(amqp_url, [echo])
    connection = await asyncpg.connect(database_url)
    try:
        before = await table_bytes(connection)
        wal_before = await wal_position(connection)
        body = {"stateMachineName": MACHINE, "name": uuid.uuid4().hex, "input": {}}
        body["input"] = {"items": list(range(size))}
        async with HttpClient(url, 1, env.AUTH_HEADERS) as client:
            began = time.time()
            async with asyncio.timeout(600):
                code, answer = await client.post_json("/executions", body)
            posted = time.time()
        if code not in (200, 201):
            raise RuntimeError(f"POST /executions: {code} {answer}")
        execution_id = answer["executionId"]
        progress = bar(f"map {size:,} x{concurrency or 'all'}", size, "item")
        series: list[tuple[float, int]] = []
        done = 0
        largest_during: dict[str, Any] | None = None
        while True:
            await asyncio.sleep(POLL_SECONDS)
            row = await connection.fetchrow(
                "SELECT status, stop_date FROM orchestrator.executions WHERE execution_id = $1",
                execution_id,
            )
            count = int(
                await connection.fetchval(
                    "SELECT count(*) FROM orchestrator.history_events "
                    "WHERE execution_id = $1 AND type = 'MapIterationSucceeded'",
                    execution_id,
                )
            )
            peak = await connection.fetchrow(LARGEST_PART)
            if peak and (largest_during is None or peak["bytes"] > largest_during["bytes"]):
                largest_during = {"key": peak["key"], "bytes": int(peak["bytes"])}
            progress.update(count - done)
            done = count
            series.append((round(time.time() - began, 2), count))
            if row["status"] != "RUNNING":
                break
            if time.time() - began > TIMEOUT_SECONDS:
                progress.close()
                raise RuntimeError(f"map {size} x{concurrency}: still RUNNING after {count} items")
        progress.close()
        status, stop_date = row["status"], row["stop_date"]
        after = await table_bytes(connection)
        wal = await connection.fetchval(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)", wal_before
        )
        largest = await connection.fetchrow(LARGEST_PART)
        parts_left = await connection.fetchval("SELECT count(*) FROM orchestrator.execution_parts")
    finally:
        await connection.close()
    total = (stop_date.timestamp() if stop_date else time.time()) - began
    growth = {table: after[table] - before[table] for table in TABLES}
    return {
        "items": size,
        "max_concurrency": concurrency,
        "status": status,
        "iterations_succeeded": done,
        "start_seconds": round(posted - began, 3),
        "seconds": round(total, 3),
        "ms_per_item": round(1000 * total / size, 3),
        "table_growth_bytes": growth,
        "table_bytes_per_item": {t: round(g / size, 1) for t, g in growth.items()},
        "wal_bytes_per_item": round(float(wal) / size, 1),
        "largest_part_during": largest_during,
        "largest_part": (
            {"key": largest["key"], "bytes": int(largest["bytes"])} if largest else None
        ),
        "parts_left": int(parts_left),
        "progress": series,
    }


def flat_ratios(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    """Per MaxConcurrency: ms per item at the largest size / at the smallest (1.0 is flat)."""
    ratios: dict[str, float | None] = {}
    for concurrency in dict.fromkeys(run["max_concurrency"] for run in runs):
        same = sorted(
            (run for run in runs if run["max_concurrency"] == concurrency),
            key=lambda run: run["items"],
        )
        small, large = same[0], same[-1]
        if small is large:
            continue
        name = f"map ms/item {large['items']}/{small['items']}, MaxConcurrency={concurrency}"
        ratios[name] = (
            round(large["ms_per_item"] / small["ms_per_item"], 3) if small["ms_per_item"] else None
        )
    return ratios
