"""Drives baseline (b): Celery chains of three steps, `concurrency` in flight, on three worker
processes (see bench.celery_peer); counts chains/s and start-to-finish latency."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bench.progress import bar
from bench.stats import Sample
from bench.workers import Worker, wait_consuming, worker


def start_workers(
    amqp_url: str, log_dir: Path, pool: str = "threads", concurrency: int = 8
) -> list[Worker]:
    """Three `celery worker` processes, one per step queue. The default pool, `threads`, keeps
    each worker one process that works on `concurrency` tasks at once (as each of our services
    is one process handling up to PREFETCH commands at once); `solo` does one at a time, so a
    step's throughput is bounded by one publisher confirm after another."""
    from bench.celery_peer import STEP_QUEUES

    env = {**os.environ, "BENCH_CELERY_BROKER": amqp_url}
    workers = []
    for n, queue in enumerate(STEP_QUEUES, 1):
        args = [
            *("-m", "celery", "-A", "bench.celery_peer", "worker", "-Q", queue),
            *("-P", pool, "-c", str(concurrency), "-n", f"step{n}@%h", "-l", "WARNING"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        each = worker(f"celery-step{n}", args, queue, env, log_dir)
        each.start()
        workers.append(each)
    return workers


async def run_peer(
    amqp_url: str, workers: list[Worker], chains: int, concurrency: int
) -> tuple[list[Sample], float]:
    os.environ["BENCH_CELERY_BROKER"] = amqp_url
    from celery import chain as celery_chain

    from bench.celery_peer import DONE_QUEUE, QUORUM, app, step1, step2, step3

    app.conf.broker_url = amqp_url
    await wait_consuming(amqp_url, workers)
    connection = await aio_pika.connect_robust(amqp_url)
    # Celery's apply_async blocks until the broker confirms, so one thread would send one chain
    # per confirm (a few ms on a quiet disk, far more on a busy one): send from as many threads
    # as chains in flight, each with its own pooled connection, as a threaded web app would.
    senders = min(concurrency, 64)
    app.conf.broker_pool_limit = senders + 2
    sender = ThreadPoolExecutor(senders, thread_name_prefix="celery-send")
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=256)
        done = await channel.declare_queue(DONE_QUEUE, durable=True, arguments=QUORUM)
        waiting: dict[str, asyncio.Future[None]] = {}

        async def on_done(message: AbstractIncomingMessage) -> None:
            async with message.process():
                future = waiting.pop(json.loads(message.body)["id"], None)
                if future is not None and not future.done():
                    future.set_result(None)

        await done.consume(on_done)

        def send(chain_id: str) -> None:
            celery_chain(step1.s({"id": chain_id}), step2.s(), step3.s()).apply_async()

        loop = asyncio.get_running_loop()
        # The first send opens Celery's connection: not part of the timed run.
        await loop.run_in_executor(sender, app.connection_for_write().ensure_connection)
        gate = asyncio.Semaphore(concurrency)
        samples: list[Sample] = []
        progress = bar("celery peer (b)", chains, "chain")
        began = time.time()

        async def one() -> None:
            async with gate:
                chain_id = uuid.uuid4().hex
                finished = loop.create_future()
                waiting[chain_id] = finished
                started = time.time()
                await loop.run_in_executor(sender, send, chain_id)
                await asyncio.wait_for(finished, timeout=120)
                ended = time.time()
                samples.append(Sample(ended - began, ended - started))
                progress.update()

        await asyncio.gather(*(one() for _ in range(chains)))
        elapsed = time.time() - began
        progress.close()
        return samples, elapsed
    finally:
        sender.shutdown(wait=False, cancel_futures=True)
        await connection.close()
        _forget_connections(app)


def _forget_connections(app: Any) -> None:
    """Close the connections Celery pooled on the app. Its connection and producer pools keep
    the broker URL they were opened with, and the next run (`--rounds`) is on a new vhost:
    without this, its first send goes to the dropped one ("vhost not found")."""
    with contextlib.suppress(Exception):  # they may have died with their vhost already
        app.pool.force_close_all()
    app._pool = None  # what Celery itself resets after a fork (Celery._after_fork)
    app.amqp._producer_pool = None


def stop_workers(workers: list[Worker]) -> None:
    for each in workers:
        each.stop()
