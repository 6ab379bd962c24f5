"""Worker processes a phase starts besides the services: the echo worker, Celery's workers.
Like devtools.processes.ServiceProcess (log file, stop with SIGTERM), but with no HTTP port: a
worker is ready once its queue has a consumer."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika

from devtools.processes import ServiceProcess

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Worker(ServiceProcess):
    """`python <args>` consuming `queue`."""

    args: list[str] = field(default_factory=list)
    queue: str = ""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, *self.args],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


def worker(name: str, args: list[str], queue: str, env: dict[str, str], log_dir: Path) -> Worker:
    return Worker(name, 0, env, log_dir / f"{name}.log", args=args, queue=queue)


async def wait_consuming(amqp_url: str, workers: list[Worker], timeout: float = 60) -> None:
    """Until each worker's queue has a consumer (or a worker exits: RuntimeError)."""
    deadline = time.monotonic() + timeout
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        while True:
            for each in workers:
                if not each.running:
                    raise RuntimeError(f"{each.package} exited:\n{each.log_tail()}")
            ready = 0
            for each in workers:
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(each.queue, passive=True)
                    ready += 1 if queue.declaration_result.consumer_count else 0
                    await channel.close()
                except aio_pika.exceptions.ChannelClosed:
                    pass  # not declared yet
            if ready == len(workers):
                return
            if time.monotonic() > deadline:
                names = ", ".join(each.package for each in workers)
                raise RuntimeError(f"{names}: no consumer after {timeout}s")
            await asyncio.sleep(0.3)
