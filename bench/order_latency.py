"""How long a happy order takes from POST /orders to COMPLETED, beside its physical floor.

Run against a running system (`make dev` in another terminal):

    .venv/bin/python -m bench.order_latency --orders 30

The baseline, measured in the same run, is the floor under any design of this flow: three
sequential request/reply round trips over the same RabbitMQ (persistent messages, publisher
confirms, an echo consumer that does no work), on quorum queues like the system's and, for
reference, on transient classic queues. What the order takes above that is the price of
Postgres transactions, the services' own work and HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import datetime
from typing import Any

import aio_pika
import httpx
import uvloop

from devtools.orders import order_request

STEPS = 3  # charge, hold, ship


def progress(label: str, done: int, total: int) -> None:
    print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


# How long one GET may be held for the order to end (web's `wait`; at most 20).
WAIT_SECONDS = 10


def place_and_wait(web: httpx.Client, sku: str) -> dict[str, Any]:
    """One order of `sku` placed, then asked for with a long-poll (`GET /orders/{id}?wait=`,
    answered as soon as it ends); the ended order (SystemExit unless COMPLETED)."""
    placed = web.post("/orders", json=order_request(sku))
    placed.raise_for_status()
    order_id = placed.json()["order_id"]
    wait = {"wait": WAIT_SECONDS}
    while (order := web.get(f"/orders/{order_id}", params=wait).json())["status"] == "PROCESSING":
        pass  # still running after WAIT_SECONDS: ask again
    if order["status"] != "COMPLETED":
        raise SystemExit(f"order {order_id} ended {order['status']}; is stock left?")
    return dict(order)


def order_latencies(web_url: str, count: int) -> tuple[list[float], list[float]]:
    """Client-side POST -> COMPLETED, and the server-side span (created_at -> finished_at)."""
    latencies, spans = [], []
    with httpx.Client(base_url=web_url, timeout=30) as web:
        products = [p for p in web.get("/products").json() if p["available"] > 0]
        for index in range(count):
            product = max(products, key=lambda p: p["available"])
            product["available"] -= 1
            started = time.perf_counter()
            order = place_and_wait(web, product["sku"])
            latencies.append(time.perf_counter() - started)
            spans.append(
                (
                    datetime.fromisoformat(order["finished_at"])
                    - datetime.fromisoformat(order["created_at"])
                ).total_seconds()
            )
            progress("orders", index + 1, count)
    return latencies, spans


async def broker_floor(amqp_url: str, count: int, quorum: bool) -> list[float]:
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        # Quorum queues are what the system uses (replicated, fsynced before the confirm);
        # classic transient ones show what the broker costs with durability taken away.
        options: dict = (
            {"durable": True, "arguments": {"x-queue-type": "quorum"}}
            if quorum
            else {"auto_delete": True}
        )
        requests = await channel.declare_queue(f"bench-{uuid.uuid4().hex}", **options)
        replies = await channel.declare_queue(f"bench-{uuid.uuid4().hex}", **options)
        answered: asyncio.Queue[None] = asyncio.Queue()

        async def echo(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                await channel.default_exchange.publish(
                    aio_pika.Message(message.body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=replies.name,
                )

        async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                answered.put_nowait(None)

        await requests.consume(echo)
        await replies.consume(on_reply)
        latencies = []
        for index in range(count):
            started = time.perf_counter()
            for _ in range(STEPS):
                await channel.default_exchange.publish(
                    aio_pika.Message(b"{}", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=requests.name,
                )
                await answered.get()
            latencies.append(time.perf_counter() - started)
            progress("broker floor", index + 1, count)
        await requests.delete(if_unused=False, if_empty=False)
        await replies.delete(if_unused=False, if_empty=False)
        return latencies


def summary(name: str, latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{name:<38} n={len(ordered):<4} median {statistics.median(ordered) * 1000:7.1f} ms"
        f"   p95 {p95 * 1000:7.1f} ms   max {ordered[-1] * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", default="http://127.0.0.1:8000")
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--orders", type=int, default=30)
    args = parser.parse_args()
    durable_floor = uvloop.run(broker_floor(args.amqp, args.orders, quorum=True))
    transient_floor = uvloop.run(broker_floor(args.amqp, args.orders, quorum=False))
    orders, spans = order_latencies(args.web, args.orders)
    print(summary("POST /orders -> COMPLETED (client)", orders))
    print(summary("created_at -> finished_at (server)", spans))
    print(summary(f"floor: {STEPS} round trips, quorum queues", durable_floor))
    print(summary(f"floor: {STEPS} round trips, transient", transient_floor))


if __name__ == "__main__":
    main()
