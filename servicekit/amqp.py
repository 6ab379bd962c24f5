"""RabbitMQ: one robust connection per process, publisher confirms, queues with dead letters.

Every work queue `q` is a durable quorum queue with a companion `q.dlq`. A message that cannot be
parsed is published to `q.dlq` with the reason in its `x-death-reason` header, then acked; a message
whose handler keeps raising is requeued and, after `DELIVERY_LIMIT` deliveries, RabbitMQ moves it
to `q.dlq` itself. Either way the consumer lives on. A transient fault (the database away for a
while) is retried in place and does not count as a delivery.

Least privilege (scripts/provision.py): a service's RabbitMQ user may write to a few names only,
and write permission on the default exchange would let it publish to every queue. So a queue that
others publish to without that permission has an exchange of its own name routing to it
(`route_exchange`): the result queue, where the services reply, and each `q.dlq`, where a
consumer dead-letters. Every message carries `user_id` = the connection's user, which RabbitMQ
checks, so a consumer knows who sent it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import aio_pika
from aio_pika.abc import (
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
)
from prometheus_client import Counter

from servicekit import amqp_cluster
from servicekit.json_text import json_bytes
from servicekit.messages import PoisonMessage
from servicekit.metrics import measured, publish_headers
from servicekit.transient import describe, is_transient

log = logging.getLogger(__name__)

DELIVERY_LIMIT = 20
# A handler that failed on a transient fault (servicekit.transient: the database restarting, a
# deadlock) is retried in place, its message kept, with this backoff: redeliveries would count
# towards DELIVERY_LIMIT and a long enough outage would dead-letter good messages.
TRANSIENT_RETRY_FIRST_SECONDS = 0.2
TRANSIENT_RETRY_MAX_SECONDS = 5.0
# A handler that failed otherwise waits this long before its message is requeued, so that a bug
# does not become a hot loop; after DELIVERY_LIMIT deliveries the message is dead-lettered.
REQUEUE_DELAY_SECONDS = 1.0

MESSAGES_CONSUMED = Counter(
    "amqp_messages_consumed_total", "Messages taken from a queue, by outcome", ["queue", "outcome"]
)
DEAD_LETTERED = Counter(
    "amqp_messages_dead_lettered_total", "Messages sent to a dead-letter queue", ["queue"]
)

MessageHandler = Callable[[AbstractIncomingMessage], Awaitable[None]]


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


class Broker:
    """A process's link to RabbitMQ. Open it in the app's lifespan; close it on the way out."""

    def __init__(self, url: str, prefetch: int = 32) -> None:
        self._url = url
        self._prefetch = prefetch
        self._connection: amqp_cluster.ClusterConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._declared: set[str] = set()
        # Stamped on every message as `user_id`; RabbitMQ refuses one that is not the
        # connection's user. None when the URL names no user (the broker's default, guest).
        self.user: str | None = unquote(urlsplit(url).username or "") or None

    async def connect(self) -> None:
        # AMQP_URL may name every node of a cluster (servicekit.amqp_cluster).
        self._connection = await amqp_cluster.connect(self._url)
        channel = await self._connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self._prefetch)
        self._channel = channel

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    @property
    def is_connected(self) -> bool:
        return (
            self._connection is not None
            and not self._connection.is_closed
            and bool(self._connection.connected.is_set())
        )

    @property
    def node(self) -> str | None:
        """`host:port` of the RabbitMQ node this process is connected to now (AMQP_URL may
        name several)."""
        if not self.is_connected or self._connection is None:
            return None
        return f"{self._connection.url.host}:{self._connection.url.port}"

    @property
    def channel(self) -> AbstractRobustChannel:
        if self._channel is None:
            raise RuntimeError("Broker.connect() was not called")
        return self._channel

    async def declare(self, queue: str) -> AbstractQueue:
        """Declare `queue` and its dead-letter queue (idempotent)."""
        dead_letters_only = {"x-queue-type": "quorum"}
        if queue.endswith(".dlq"):  # a dead-letter queue has no dead-letter queue of its own
            return await self.channel.declare_queue(
                queue, durable=True, arguments=dead_letters_only
            )
        dlq = dead_letter_queue(queue)
        await self.channel.declare_queue(dlq, durable=True, arguments=dead_letters_only)
        declared = await self.channel.declare_queue(
            queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": DELIVERY_LIMIT,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": dlq,
            },
        )
        self._declared.add(queue)
        return declared

    async def route_exchange(self, queue: str) -> None:
        """Declare a direct exchange named `queue` that routes to `queue` (idempotent): those
        allowed to write to that one name can publish to `queue` and nowhere else."""
        exchange = await self.channel.declare_exchange(
            queue, aio_pika.ExchangeType.DIRECT, durable=True
        )
        declared = await self.channel.declare_queue(queue, passive=True)
        await declared.bind(exchange, routing_key=queue)

    async def ensure_declared(self, queue: str) -> None:
        """Declare `queue` once per process, before the first publish to it (a message to a
        queue that does not exist yet would be dropped)."""
        if queue not in self._declared:
            await self.declare(queue)

    async def publish(
        self,
        queue: str,
        body: Any,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        headers: dict[str, Any] | None = None,
        exchange: str = "",
    ) -> None:
        """Publish persistently to `exchange` (the default one: straight to `queue`) and wait
        for the broker's confirm."""
        payload = body if isinstance(body, bytes) else json_bytes(body)
        message = aio_pika.Message(
            payload,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=reply_to,
            headers=publish_headers(headers),
            timestamp=time.time(),
            user_id=self.user,
        )
        target = (
            self.channel.default_exchange
            if not exchange
            else await self.channel.get_exchange(exchange, ensure=False)
        )
        await target.publish(message, routing_key=queue)

    async def consume(self, queue: str, handler: MessageHandler) -> None:
        """Feed every message of `queue` to `handler`; ack after it returns."""
        declared = await self.declare(queue)
        # The consumer dead-letters poison messages through this (see _dead_letter).
        await self.route_exchange(dead_letter_queue(queue))

        measured_handler = measured(queue, handler)

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._deliver(queue, message, measured_handler)

        await declared.consume(on_message)

    async def _deliver(
        self, queue: str, message: AbstractIncomingMessage, handler: MessageHandler
    ) -> None:
        delay = TRANSIENT_RETRY_FIRST_SECONDS
        while True:
            try:
                await handler(message)
            except PoisonMessage as exc:
                await self._dead_letter(queue, message, str(exc))
                MESSAGES_CONSUMED.labels(queue, "poison").inc()
                await message.ack()
            except Exception as exc:
                if not _can_settle(message):  # the broker will redeliver it
                    log.warning("handling a message from %s failed (%s)", queue, describe(exc))
                    MESSAGES_CONSUMED.labels(queue, "channel_lost").inc()
                    return
                if is_transient(exc):
                    # The fault is around the message, not in it: keep the message and try
                    # again, so that an outage does not spend its DELIVERY_LIMIT.
                    log.warning(
                        "handling a message from %s failed (%s); retrying in %.1fs",
                        queue,
                        describe(exc),
                        delay,
                    )
                    MESSAGES_CONSUMED.labels(queue, "retried").inc()
                    await asyncio.sleep(delay)
                    delay = min(2 * delay, TRANSIENT_RETRY_MAX_SECONDS)
                    continue
                log.exception("handling a message from %s failed; it will be redelivered", queue)
                MESSAGES_CONSUMED.labels(queue, "requeued").inc()
                await asyncio.sleep(REQUEUE_DELAY_SECONDS)
                await message.nack(requeue=True)
            else:
                MESSAGES_CONSUMED.labels(queue, "ok").inc()
                await message.ack()
            return

    async def _dead_letter(self, queue: str, message: AbstractIncomingMessage, reason: str) -> None:
        log.warning("dead-lettering a message from %s: %s", queue, reason)
        headers = dict(message.headers or {})
        headers["x-death-reason"] = reason
        headers["x-original-queue"] = queue
        await self.publish(
            dead_letter_queue(queue),
            message.body,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            headers=headers,
            exchange=dead_letter_queue(queue),
        )
        DEAD_LETTERED.labels(queue).inc()


def _can_settle(message: AbstractIncomingMessage) -> bool:
    """Whether `message` can still be acked: not if its channel closed (it will be redelivered)."""
    try:
        return not message.channel.is_closed
    except aio_pika.exceptions.ChannelInvalidStateError:
        return False
