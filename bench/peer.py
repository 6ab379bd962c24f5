"""Drives baseline (b): Celery chains of three steps, `concurrency` in flight, on three worker
processes (see bench.celery_peer); counts chains/s and start-to-finish latency."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from bench.progress import bar
from bench.stats import Sample
from devtools.processes import ServiceProcess

REPO = Path(__file__).resolve().parent.parent


@dataclass
class CeleryWorker(ServiceProcess):
    """A `celery worker` process instead of a service (no HTTP port, no /healthz)."""

    queue: str = ""
    name: str = ""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "bench.celery_peer",
                    "worker",
                    "-Q",
                    self.queue,
                    "-P",
                    "solo",
                    "-c",
                    "1",
                    "-n",
                    f"{self.name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-l",
                    "WARNING",
                ],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def start_workers(amqp_url: str, log_dir: Path) -> list[CeleryWorker]:
    """Three `celery worker` processes (solo pool: one process each), one per step queue."""
    from bench.celery_peer import STEP_QUEUES

    workers = []
    for n, queue in enumerate(STEP_QUEUES, 1):
        env = {**os.environ, "BENCH_CELERY_BROKER": amqp_url, "PYTHONPATH": str(REPO)}
        worker = CeleryWorker(
            "celery", 0, env, log_dir / f"celery-step{n}.log", None, queue, f"step{n}"
        )
        worker.start()
        workers.append(worker)
    return workers


async def wait_consumers(amqp_url: str, workers: list[CeleryWorker], timeout: float = 60) -> None:
    """Until each step queue has its worker consuming it."""
    deadline = time.monotonic() + timeout
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        while True:
            for worker in workers:
                if not worker.running:
                    raise RuntimeError(f"celery worker {worker.name} exited:\n{worker.log_tail()}")
            ready = 0
            for worker in workers:
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(worker.queue, passive=True)
                    result = queue.declaration_result
                    ready += 1 if result.consumer_count else 0
                    await channel.close()
                except aio_pika.exceptions.ChannelClosed:
                    pass
            if ready == len(workers):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"celery workers not consuming after {timeout}s")
            await asyncio.sleep(0.3)


async def run_peer(
    amqp_url: str, workers: list[CeleryWorker], chains: int, concurrency: int
) -> tuple[list[Sample], float]:
    os.environ["BENCH_CELERY_BROKER"] = amqp_url
    from celery import chain as celery_chain

    from bench.celery_peer import DONE_QUEUE, QUORUM, app, step1, step2, step3

    app.conf.broker_url = amqp_url
    await wait_consumers(amqp_url, workers)
    connection = await aio_pika.connect_robust(amqp_url)
    sender = ThreadPoolExecutor(1, thread_name_prefix="celery-send")
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
        sender.shutdown(wait=True)
        await connection.close()


def stop_workers(workers: list[CeleryWorker]) -> None:
    for worker in workers:
        worker.stop()
