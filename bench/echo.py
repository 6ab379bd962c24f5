"""The echo worker: answers every command at once with SUCCEEDED, as a service with no work would.

    python -m bench.echo <amqp_url> [queue]

It speaks the services' protocol (servicekit's Broker: durable quorum queues, persistent replies
with publisher confirms, ack after the reply is confirmed), so the orchestrator (engine phase)
and the ceiling script wait on the same thing. It runs as a process of its own, as a service
does, so its work is not charged to the driver measuring the phase."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import uvloop
from aio_pika.abc import AbstractIncomingMessage

from bench.workers import Worker, worker
from servicekit.amqp import Broker

QUEUE = "bench.echo"


async def serve(amqp_url: str, queue: str) -> None:
    broker = Broker(amqp_url, prefetch=256)
    await broker.connect()

    async def answer(message: AbstractIncomingMessage) -> None:
        assert message.reply_to is not None
        reply: dict[str, object] = {
            "taskToken": message.message_id,
            "status": "SUCCEEDED",
            "output": {},
        }
        await broker.publish(message.reply_to, reply, correlation_id=message.correlation_id)

    await broker.consume(queue, answer)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await broker.close()


def echo_process(amqp_url: str, log_dir: Path, queue: str = QUEUE) -> Worker:
    """The echo worker as a process (not started)."""
    return worker("echo", ["-m", "bench.echo", amqp_url, queue], queue, dict(os.environ), log_dir)


if __name__ == "__main__":
    uvloop.run(serve(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else QUEUE))
