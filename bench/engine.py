"""Phase 1, the engine: executions of three Task states answered at once by the echo worker.

Real orchestrator processes on this phase's database and vhost; executions started over the
HTTP API (POST /executions), at most `concurrency` unfinished at any time (a new one starts when
one ends, learnt by polling the executions table or, with `long_poll`, by a long-poll of its
history). Latency is from just before the POST to the execution's stopDate as the orchestrator
recorded it (same machine, same clock), so how the end is learnt costs no precision."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg

from bench import env
from bench.echo import QUEUE
from bench.http_client import HttpClient
from bench.progress import bar
from bench.stats import Sample
from bench.workers import Worker, wait_consuming
from devtools.processes import ServiceProcess, free_port
from servicekit.pg import PLANNER_SETTINGS

STEPS = 3
MACHINE = "bench-three-steps"
WORKFLOW = {
    "Comment": "Three Tasks answered at once: the orchestrator's own cost per transition.",
    "StartAt": "Step1",
    "States": {
        f"Step{n}": {
            "Type": "Task",
            "Resource": f"rabbitmq:{QUEUE}",
            "Parameters": {"taskToken.$": "$$.Task.Token", "step": n},
            "ResultPath": None,
            **({"End": True} if n == STEPS else {"Next": f"Step{n + 1}"}),
        }
        for n in range(1, STEPS + 1)
    },
}
# How the driver learns that an execution ended, which frees its slot for the next one: one
# indexed query every POLL_SECONDS for the unfinished ids. Latency does not depend on it (it
# ends at the execution's stopDate); throughput does, a little (bench/README.md). With
# `long_poll` (bench --engine-long-poll) the driver long-polls each execution's history
# instead, as a client would; that costs the orchestrator a request per execution.
POLL_SECONDS = 0.05
LONG_POLL_SECONDS = 20
TERMINAL_EVENTS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


def start_orchestrators(
    count: int,
    database_url: str,
    amqp_url: str,
    workdir: Path,
    machines: dict[str, dict[str, Any]] | None = None,
    label: str = "orchestrator",
) -> list[ServiceProcess]:
    """`count` orchestrators with `machines` (name: ASL definition; by default this phase's
    three-step workflow) registered from a workflows directory of their own, logging to
    `<label>-<n>.log`, healthy (started one after the other: the first migrates the schema)."""
    workflows = workdir / f"workflows-{uuid.uuid4().hex[:8]}"
    workflows.mkdir()
    for name, definition in (machines or {MACHINE: WORKFLOW}).items():
        (workflows / f"{name}.asl.json").write_text(json.dumps(definition))
    processes = []
    for n in range(count):
        port = free_port()
        variables = {
            **os.environ,
            "API_TOKEN": env.API_TOKEN,
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "ORCHESTRATOR_PORT": str(port),
            "WORKFLOWS_DIR": str(workflows),
            "TASK_QUEUES": f"*.commands,{QUEUE}",
            "LOG_LEVEL": "WARNING",
        }
        process = ServiceProcess("orchestrator", port, variables, workdir / f"{label}-{n}.log")
        processes.append(process)
        process.start()
        process.wait_healthy()
    return processes


def _seconds(stamp: datetime) -> float:
    return stamp.timestamp()


async def wait_for_end(client: HttpClient, execution_id: str) -> tuple[str, datetime]:
    """(status, end time) of the execution, by long-polls of its history, newest event first."""
    path = (
        f"/executions/{quote(execution_id, safe='')}/history"
        f"?waitSeconds={LONG_POLL_SECONDS}&reverseOrder=true"
    )
    while True:
        code, body = await client.get_json(path)
        if code != 200:
            raise RuntimeError(f"GET {path}: {code} {body}")
        newest = body["events"][0] if body["events"] else None
        if newest is not None and newest["type"] in TERMINAL_EVENTS:
            return TERMINAL_EVENTS[newest["type"]], datetime.fromisoformat(newest["timestamp"])


async def run_engine(
    urls: list[str],
    database_url: str,
    amqp_url: str,
    echo: Worker,
    executions: int,
    concurrency: int,
    long_poll: bool = False,
) -> tuple[list[Sample], float, int]:
    """(samples, seconds, state transitions) for `executions` executions across `urls`, their
    tasks answered by the `echo` worker process; each end learnt by polling the executions
    table, or with `long_poll` by a long-poll of the execution's history."""
    await wait_consuming(amqp_url, [echo])
    # The poll below must stay cheap (it shares Postgres with what it measures): an index probe
    # per id, as on the orchestrator's own connections, not a scan of every execution.
    connection = await asyncpg.connect(database_url, server_settings=PLANNER_SETTINGS)
    pending: dict[str, asyncio.Future[tuple[str, datetime]]] = {}
    samples: list[Sample] = []
    progress = bar("engine", executions, "exec")
    stop_polling = asyncio.Event()

    async def poll() -> None:
        while not stop_polling.is_set():
            await asyncio.sleep(POLL_SECONDS)
            if not pending:
                continue
            rows = await connection.fetch(
                "SELECT execution_id, status, stop_date FROM orchestrator.executions "
                "WHERE execution_id = ANY($1::text[]) AND status <> 'RUNNING'",
                list(pending),
            )
            for row in rows:
                finished = pending.pop(row["execution_id"], None)
                if finished is not None and not finished.done():
                    finished.set_result((row["status"], row["stop_date"]))

    async def ended(client: HttpClient, execution_id: str) -> tuple[str, datetime]:
        if long_poll:
            return await wait_for_end(client, execution_id)
        finished: asyncio.Future[tuple[str, datetime]] = asyncio.get_running_loop().create_future()
        pending[execution_id] = finished
        return await finished

    try:
        poller = None if long_poll else asyncio.create_task(poll())
        gate = asyncio.Semaphore(concurrency)
        # The lean client (bench/http_client.py), not httpx: the driver shares the cores with
        # what it measures, so its own CPU per execution lowers the figures.
        clients = [HttpClient(url, concurrency, env.AUTH_HEADERS) for url in urls]
        try:
            began = time.time()

            async def one(index: int) -> None:
                async with gate:
                    started = time.time()
                    client = clients[index % len(clients)]
                    async with asyncio.timeout(60):
                        code, body = await client.post_json(
                            "/executions",
                            {"stateMachineName": MACHINE, "name": uuid.uuid4().hex, "input": {}},
                        )
                    if code not in (200, 201):
                        raise RuntimeError(f"POST /executions: {code} {body}")
                    async with asyncio.timeout(120):
                        status, stop_date = await ended(client, body["executionId"])
                    end = _seconds(stop_date)
                    samples.append(Sample(end - began, end - started, status == "SUCCEEDED"))
                    progress.update()

            await asyncio.gather(*(one(i) for i in range(executions)))
        finally:
            for client in clients:
                await client.close()
        elapsed = max(s.end for s in samples)
        progress.close()
        stop_polling.set()
        if poller is not None:
            await poller
        transitions = await connection.fetchval(
            "SELECT count(*) FROM orchestrator.history_events WHERE type LIKE '%StateEntered'"
        )
        return samples, elapsed, int(transitions)
    finally:
        stop_polling.set()
        await connection.close()
