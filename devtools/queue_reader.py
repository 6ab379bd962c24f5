"""Reading a queue as a test's worker does (basic.get), surviving RabbitMQ's `noproc`.

Right after a quorum queue is declared its replica may not be running yet; a basic.get then
fails with `INTERNAL_ERROR ... noproc`, and RabbitMQ closes the whole connection over it. That is
the broker starting the queue, not the system under test failing, so the reader opens a new
connection and tries again. Any other error is raised."""

from __future__ import annotations

import asyncio
import time

import aiormq.exceptions
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

from servicekit.amqp import Broker

REOPEN_AFTER_SECONDS = 0.2


class QueueReader:
    """`async with QueueReader(amqp_url, queue) as reader: message = await reader.next(10)`."""

    def __init__(self, amqp_url: str, queue: str) -> None:
        self._amqp_url = amqp_url
        self._name = queue
        self._broker: Broker | None = None
        self._queue: AbstractQueue | None = None

    async def __aenter__(self) -> QueueReader:
        await self._open()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._close()

    async def _open(self) -> None:
        self._broker = Broker(self._amqp_url)
        await self._broker.connect()
        self._queue = await self._broker.declare(self._name)

    async def _close(self) -> None:
        if self._broker is not None:
            await self._broker.close()
        self._broker = self._queue = None

    async def get(self) -> AbstractIncomingMessage | None:
        """The next message, acknowledged as taken, or None when the queue is empty."""
        assert self._queue is not None, "use `async with`"
        try:
            return await self._queue.get(no_ack=True, fail=False)
        except (asyncio.CancelledError, aiormq.exceptions.AMQPError) as exc:
            if "noproc" not in str(exc):
                raise
            await self._close()
            await asyncio.sleep(REOPEN_AFTER_SECONDS)
            await self._open()
            return None

    async def next(self, timeout: float, poll: float = 0.05) -> AbstractIncomingMessage:
        """Wait up to `timeout` seconds for a message."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await self.get()
            if message is not None:
                return message
            await asyncio.sleep(poll)
        raise AssertionError(f"no message on {self._name} within {timeout}s")
