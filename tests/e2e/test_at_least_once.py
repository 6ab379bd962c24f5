"""Commands are delivered at least once: a command published twice has its effect once."""

from __future__ import annotations

import asyncio
import json

import aio_pika
import asyncpg
import httpx
import pytest

from tests.e2e.orders import net_charge, order_request, place, stocked_product, wait_finished

pytestmark = pytest.mark.e2e


async def republish_commands(
    database_url: str, amqp_url: str, execution_id: str, queue: str, times: int
) -> int:
    """Publish the outbox rows the orchestrator wrote for `queue` again, `times` times."""
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT message_id, body, headers FROM orchestrator.outbox"
            " WHERE execution_id = $1 AND queue = $2",
            execution_id,
            queue,
        )
    finally:
        await connection.close()
    broker = await aio_pika.connect(amqp_url)
    async with broker:
        channel = await broker.channel(publisher_confirms=True)
        for row in rows:
            for _ in range(times):
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        row["body"].encode(),
                        message_id=row["message_id"],
                        correlation_id=execution_id,
                        reply_to="orchestrator.results",
                        headers=json.loads(row["headers"]),
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=queue,
                )
    return len(rows)


async def wait_for_stale_replies(database_url: str, execution_id: str, expected: int) -> int:
    """How many replies for the execution were recorded as rejected, once `expected` are
    (or after 10 s)."""
    connection = await asyncpg.connect(database_url)
    try:
        for _ in range(100):
            count = int(
                await connection.fetchval(
                    "SELECT count(*) FROM orchestrator.rejected_replies WHERE execution_id = $1",
                    execution_id,
                )
            )
            if count >= expected:
                return count
            await asyncio.sleep(0.1)
        return count
    finally:
        await connection.close()


def test_charge_command_delivered_three_times_charges_once(
    web: httpx.Client,
    payment: httpx.Client,
    orchestrator: httpx.Client,
    database_url: str,
    amqp_url: str,
) -> None:
    product = stocked_product(web)
    order_id = place(web, order_request(product["sku"]))
    order = wait_finished(web, order_id)
    assert order["status"] == "COMPLETED"

    execution_id = f"order-fulfillment:{order_id}"
    republished = asyncio.run(
        republish_commands(database_url, amqp_url, execution_id, "payment.commands", times=2)
    )
    assert republished == 1

    # The duplicates are answered from payment's inbox; their replies reach the orchestrator
    # as stale and change nothing. Wait until both are recorded as rejected.
    assert asyncio.run(wait_for_stale_replies(database_url, execution_id, expected=2)) == 2

    payments = payment.get("/payments", params={"order_id": order_id}).json()
    assert [p["status"] for p in payments] == ["CHARGED"]
    assert net_charge(payments) == order["total_cents"]
    assert web.get(f"/orders/{order_id}").json()["status"] == "COMPLETED"
    assert orchestrator.get(f"/executions/{execution_id}").json()["status"] == "SUCCEEDED"
