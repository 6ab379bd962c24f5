"""The queue-wait metric: a message's publish time crosses the broker intact, so the wait it
measures is the message's, not the error of a 32-bit float (which at today's epoch seconds is
about 128 s wide)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import REGISTRY

from servicekit.amqp import Broker
from servicekit.metrics import PUBLISHED_AT, waited

pytestmark = pytest.mark.integration


async def test_the_publish_time_arrives_to_the_microsecond_and_the_wait_is_the_real_one(
    broker: Broker,
) -> None:
    queue = f"waits.{uuid.uuid4().hex[:8]}"
    received: asyncio.Queue[tuple[AbstractIncomingMessage, float]] = asyncio.Queue()

    async def handler(message: AbstractIncomingMessage) -> None:
        await received.put((message, time.time()))

    await broker.consume(queue, handler)
    sent_after = time.time_ns() // 1000
    await broker.publish(queue, {"n": 1})
    sent_before = time.time_ns() // 1000
    message, arrived = await asyncio.wait_for(received.get(), timeout=15)

    published = (message.headers or {})[PUBLISHED_AT]
    assert isinstance(published, int)
    assert sent_after <= published <= sent_before
    wait = waited(message, arrived)
    assert wait is not None
    assert 0 <= wait <= arrived - sent_after / 1e6
    assert wait < 5  # a float's error alone would be up to about a minute

    labels = {"queue": queue}
    assert REGISTRY.get_sample_value("amqp_queue_wait_seconds_count", labels) == 1
    total = REGISTRY.get_sample_value("amqp_queue_wait_seconds_sum", labels)
    assert total is not None and total < 5
