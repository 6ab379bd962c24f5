"""Each service connects with its own Postgres role and RabbitMQ user (scripts/provision.py), and
they hold: a role reads its own schema only, a user publishes where it replies only, and the
orchestrator applies a reply only from the user that owns the task's queue."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from urllib.parse import unquote, urlsplit

import aio_pika
import aiormq.exceptions
import asyncpg
import httpx
import pytest

from devtools.infra import Servers
from devtools.processes import Stack
from devtools.queue_reader import QueueReader
from servicekit.amqp import Broker
from tests.e2e.orders import order_request, place, stocked_product, wait_finished

pytestmark = pytest.mark.e2e


def user_of(url: str) -> str:
    return unquote(urlsplit(url).username or "")


async def session_users(database_url: str) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
        )
    finally:
        await connection.close()
    return {row["usename"] for row in rows}


def test_each_service_connects_as_itself(
    stack: Stack,
    database_url: str,
    amqp_url: str,
    servers: Servers,
    service_accounts: dict[str, str],
) -> None:
    own_roles = {
        user_of(url) for name, url in service_accounts.items() if name.endswith("_DATABASE_URL")
    }
    assert own_roles <= asyncio.run(session_users(database_url))
    assert servers.rabbitmqctl is not None
    vhost = unquote(urlsplit(amqp_url).path[1:])
    listed = subprocess.run(
        [*servers.rabbitmqctl, "list_connections", "-q", "-p", vhost, "user"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    own_users = {
        user_of(url) for name, url in service_accounts.items() if name.endswith("_AMQP_URL")
    }
    assert own_users <= set(listed.split())


async def select_from(database_url: str, table: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.fetch(f"SELECT * FROM {table} LIMIT 1")
    finally:
        await connection.close()


def test_payment_role_cannot_read_another_schema(
    stack: Stack, service_accounts: dict[str, str]
) -> None:
    payment = service_accounts["PAYMENT_DATABASE_URL"]
    asyncio.run(select_from(payment, "payment.payments"))  # its own: fine
    for table in ("inventory.items", "orchestrator.executions", "shipping.shipments"):
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            asyncio.run(select_from(payment, table))


async def publish_as(amqp_url: str, routing_key: str, exchange: str = "") -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        target = (
            channel.default_exchange
            if not exchange
            else await channel.get_exchange(exchange, ensure=False)
        )
        await target.publish(aio_pika.Message(b"{}"), routing_key=routing_key)


def test_payment_user_cannot_publish_to_inventory_commands(
    stack: Stack, service_accounts: dict[str, str]
) -> None:
    payment = service_accounts["PAYMENT_AMQP_URL"]
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        asyncio.run(publish_as(payment, "inventory.commands"))
    # Nor through its own dead-letter exchange or the result exchange, which route elsewhere
    # only by their one binding: it cannot add bindings.
    with pytest.raises(aiormq.exceptions.ChannelAccessRefused):
        asyncio.run(bind_as(payment, "inventory.commands", "orchestrator.results"))


async def bind_as(amqp_url: str, queue: str, exchange: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.get_queue(queue, ensure=False)
        await declared.bind(exchange, routing_key="anything")


async def open_charge_token(database_url: str, execution_id: str, timeout: float = 20) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            token = await connection.fetchval(
                "SELECT token FROM orchestrator.task_tokens WHERE execution_id = $1"
                " AND state_name = 'ChargePayment' AND closed_at IS NULL",
                execution_id,
            )
            if token is not None:
                return str(token)
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    raise AssertionError(f"{execution_id} never scheduled ChargePayment")


async def forge_reply(inventory_amqp_url: str, token: str) -> None:
    """As inventory's user: a SUCCEEDED reply for payment's task (the ChargePayment attack)."""
    broker = Broker(inventory_amqp_url)
    await broker.connect()
    try:
        body = {"taskToken": token, "status": "SUCCEEDED", "output": {"payment_id": "forged"}}
        await broker.publish(
            "orchestrator.results", body, message_id="forged", exchange="orchestrator.results"
        )
    finally:
        await broker.close()


async def dead_lettered_reply(amqp_url: str, token: str, timeout: float = 15) -> str:
    async with QueueReader(amqp_url, "orchestrator.results.dlq") as reader:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await reader.next(max(0.1, deadline - time.monotonic()))
            if json.loads(message.body).get("taskToken") == token:
                return str((message.headers or {}).get("x-death-reason"))
    raise AssertionError("the forged reply was not dead-lettered")


def test_a_reply_from_another_services_user_is_refused(
    stack: Stack,
    web: httpx.Client,
    database_url: str,
    amqp_url: str,
    service_accounts: dict[str, str],
) -> None:
    payment = stack.services["payment_service"]
    payment.stop()  # so that the charge's task stays open for the forged reply
    try:
        order_id = place(web, order_request(stocked_product(web)["sku"]))
        execution_id = f"order-fulfillment:{order_id}"
        token = asyncio.run(open_charge_token(database_url, execution_id))
        asyncio.run(forge_reply(service_accounts["INVENTORY_AMQP_URL"], token))
        reason = asyncio.run(dead_lettered_reply(amqp_url, token))
        assert "refused" in reason and "payment.commands" in reason, reason
        assert web.get(f"/orders/{order_id}").json()["status"] == "PROCESSING"
    finally:
        payment.restart()
    # The execution goes on as if nothing had come: payment charges and the order completes.
    order = wait_finished(web, order_id)
    assert order["status"] == "COMPLETED", order
    assert order["payment_id"] != "forged"
