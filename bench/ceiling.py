"""Baseline (a), the ceiling: only the durable round trips one execution of three steps needs.

Per step: one Postgres transaction (update the chain's state row, insert a history row and an
outbox row), one persistent publish with a publisher confirm to a quorum queue, and one reply
consumed from a quorum queue, answered by the same echo worker the engine phase uses. No engine,
no HTTP, no SQLAlchemy: what any orchestrator on this Postgres and RabbitMQ must at least pay.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import aio_pika
import asyncpg
from aio_pika.abc import AbstractIncomingMessage

from bench.echo import QUEUE
from bench.progress import bar
from bench.stats import Sample
from bench.workers import Worker, wait_consuming

STEPS = 3

SCHEMA = """
CREATE SCHEMA ceiling;
CREATE TABLE ceiling.state (
    chain_id text PRIMARY KEY,
    step integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ceiling.history (
    id bigserial PRIMARY KEY,
    chain_id text NOT NULL,
    step integer NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    details jsonb NOT NULL
);
CREATE TABLE ceiling.outbox (
    id bigserial PRIMARY KEY,
    chain_id text NOT NULL,
    queue text NOT NULL,
    message_id text NOT NULL,
    body jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""


# One statement, so one round trip and one transaction: the least a durable step can cost.
STEP = """
WITH state AS (
    INSERT INTO ceiling.state (chain_id, step) VALUES ($1, $2)
    ON CONFLICT (chain_id) DO UPDATE SET step = excluded.step, updated_at = now()
    RETURNING chain_id
), history AS (
    INSERT INTO ceiling.history (chain_id, step, details) VALUES ($1, $2, $3::jsonb)
    RETURNING id
)
INSERT INTO ceiling.outbox (chain_id, queue, message_id, body) VALUES ($1, $4, $5, $6::jsonb)
"""


async def run_ceiling(
    database_url: str, amqp_url: str, echo: Worker, chains: int, concurrency: int
) -> tuple[list[Sample], float]:
    """`chains` chains of STEPS durable steps, `concurrency` in flight, answered by the `echo`
    worker process: samples and seconds."""
    setup = await asyncpg.connect(database_url)
    try:
        await setup.execute(SCHEMA)
    finally:
        await setup.close()
    pool = await asyncpg.create_pool(database_url, min_size=4, max_size=16)
    await wait_consuming(amqp_url, [echo])
    connection = await aio_pika.connect_robust(amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=256)
        replies = await channel.declare_queue(
            f"bench.ceiling.replies.{uuid.uuid4().hex[:8]}",
            durable=True,
            arguments={"x-queue-type": "quorum"},
        )
        waiting: dict[str, asyncio.Future[None]] = {}

        async def on_reply(message: AbstractIncomingMessage) -> None:
            async with message.process():
                future = waiting.pop(json.loads(message.body)["taskToken"], None)
                if future is not None and not future.done():
                    future.set_result(None)

        await replies.consume(on_reply)
        gate = asyncio.Semaphore(concurrency)
        samples: list[Sample] = []
        progress = bar("ceiling (a)", chains, "chain")
        began = time.time()

        async def step(chain_id: str, n: int) -> None:
            token = uuid.uuid4().hex
            body = {"taskToken": token, "step": n}
            await pool.execute(
                STEP,
                chain_id,
                n,
                json.dumps({"type": "TaskScheduled", "step": n}),
                QUEUE,
                token,
                json.dumps(body),
            )
            answered = asyncio.get_running_loop().create_future()
            waiting[token] = answered
            await channel.default_exchange.publish(
                aio_pika.Message(
                    json.dumps(body).encode(),
                    content_type="application/json",
                    message_id=token,
                    reply_to=replies.name,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=QUEUE,
            )
            await answered

        async def chain() -> None:
            async with gate:
                started = time.time()
                chain_id = uuid.uuid4().hex
                for n in range(1, STEPS + 1):
                    await step(chain_id, n)
                ended = time.time()
                samples.append(Sample(ended - began, ended - started))
                progress.update()

        await asyncio.gather(*(chain() for _ in range(chains)))
        elapsed = time.time() - began
        progress.close()
        return samples, elapsed
    finally:
        await connection.close()
        await pool.close()
