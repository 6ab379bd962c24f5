"""What the service tests drive the services with: the app in-process, and an orchestrator stand-in.

`running(app)` runs the app's real lifespan (migrations, Postgres, RabbitMQ, the consumer) and
gives an httpx client over ASGI. `Orchestrator` publishes commands exactly as the orchestrator
does (message_id = task token, reply_to = a result queue) to a reply queue of its own, so tests
never read each other's replies.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aio_pika
import httpx
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage
from fastapi import FastAPI

from servicekit.startup import wait_ready
from tests.api_token import AUTH_HEADERS

REPLY_TIMEOUT = 15.0


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan entered, and an HTTP client talking to it in-process."""
    async with app.router.lifespan_context(app):
        await wait_ready(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=AUTH_HEADERS
        ) as client:
            yield client


class Orchestrator:
    """Sends commands as the orchestrator would and collects what the services reply."""

    def __init__(self, channel: AbstractChannel, reply_queue: str) -> None:
        self.channel = channel
        self.reply_queue = reply_queue
        self._replies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._arrived = asyncio.Condition()

    @classmethod
    @asynccontextmanager
    async def connect(cls, amqp_url: str) -> AsyncIterator[Orchestrator]:
        connection = await aio_pika.connect_robust(amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            queue = await channel.declare_queue(new_id("test.replies"), exclusive=True)
            orchestrator = cls(channel, queue.name)
            await queue.consume(orchestrator._on_reply, no_ack=True)
            yield orchestrator
        finally:
            await connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        body = json.loads(message.body)
        async with self._arrived:
            self._replies[body["taskToken"]].append(body)
            self._arrived.notify_all()

    async def send(
        self,
        queue: str,
        command_type: str,
        token: str | None = None,
        **fields: Any,
    ) -> str:
        """Publish a command the way the workflow's Parameters build it; returns its task token."""
        token = token or new_id("token")
        body = {"type": command_type, "taskToken": token, **fields}
        await self.publish_raw(queue, json.dumps(body).encode(), message_id=token)
        return token

    async def publish_raw(
        self,
        queue: str,
        body: bytes,
        *,
        message_id: str | None,
        reply_to: str | None = "",
        correlation_id: str | None = None,
    ) -> None:
        """Publish any bytes; `reply_to=""` means this orchestrator's reply queue."""
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id or new_id("execution"),
            reply_to=self.reply_queue if reply_to == "" else reply_to,
        )
        await self.channel.default_exchange.publish(message, routing_key=queue)

    async def publish_without_message_id(
        self, amqp_url: str, queue: str, body: bytes, *, correlation_id: str
    ) -> None:
        """Publish a message with no message_id at all.

        aio-pika cannot: aiormq stamps a random message_id on every message it publishes, which
        servicekit then takes as the task token. pika (in the dev dependencies through
        testcontainers[rabbitmq]) sends the properties as given.
        """
        import pika  # blocking client: run it in a thread

        def publish() -> None:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
            try:
                properties = pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=2,
                    correlation_id=correlation_id,
                    reply_to=self.reply_queue,
                )
                connection.channel().basic_publish("", queue, body, properties)
            finally:
                connection.close()

        await asyncio.to_thread(publish)

    async def replies(self, token: str, count: int = 1) -> list[dict[str, Any]]:
        """Wait for `count` replies to `token` (fails the test after REPLY_TIMEOUT)."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self._replies[token]) >= count), REPLY_TIMEOUT
            )
            return list(self._replies[token])

    async def reply(self, token: str) -> dict[str, Any]:
        return (await self.replies(token))[0]

    async def call(self, queue: str, command_type: str, **fields: Any) -> dict[str, Any]:
        """Send one command and wait for its reply."""
        return await self.reply(await self.send(queue, command_type, **fields))

    async def dead_letter(self, queue: str, correlation_id: str) -> AbstractIncomingMessage:
        """The message `correlation_id` from `queue`'s dead-letter queue (waits for it)."""
        dlq = await self.channel.declare_queue(f"{queue}.dlq", passive=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT
        while loop.time() < deadline:
            message = await dlq.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.05)
            elif message.correlation_id == correlation_id:
                return message
        raise AssertionError(f"no message {correlation_id} reached {queue}.dlq")
