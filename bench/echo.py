"""The echo worker: answers every command at once with SUCCEEDED, as a service with no work would.

It speaks the services' protocol (servicekit's Broker: durable quorum queues, persistent replies
with publisher confirms, ack after the reply is confirmed), so the orchestrator and the ceiling
script both wait on the same thing."""

from __future__ import annotations

from aio_pika.abc import AbstractIncomingMessage

from servicekit.amqp import Broker

QUEUE = "bench.echo"


async def echo_worker(amqp_url: str, queue: str = QUEUE) -> Broker:
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
    return broker
