"""scripts/provision.py against real servers: idempotent, and it takes over a schema that the
administrator created before roles existed (an upgrade of a `make dev` database)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from devtools.infra import Servers
from scripts.provision import Credentials, deprovision, provision
from scripts.rabbitmq_users import Rabbitmqctl


@pytest.fixture
def prefix(servers: Servers, database_url: str) -> Iterator[str]:
    assert servers.rabbitmqctl is not None
    name = f"prov_{uuid.uuid4().hex[:10]}"
    yield name
    asyncio.run(deprovision(database_url, Rabbitmqctl(servers.rabbitmqctl), name))


async def admin_creates_payment_table(database_url: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("CREATE SCHEMA IF NOT EXISTS payment")
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS payment.legacy (id serial PRIMARY KEY, note text)"
        )
        await connection.execute("INSERT INTO payment.legacy (note) VALUES ('before roles')")
    finally:
        await connection.close()


async def owners(database_url: str, schema: str) -> set[str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT pg_get_userbyid(c.relowner) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
            schema,
        )
    finally:
        await connection.close()
    return {row[0] for row in rows}


async def as_role(url: str, sql: str) -> object:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval(sql)
    finally:
        await connection.close()


def test_provisioning_twice_takes_over_the_schema_and_keeps_it_closed(
    servers: Servers, database_url: str, amqp_url: str, prefix: str
) -> None:
    assert servers.rabbitmqctl is not None
    rabbit = Rabbitmqctl(servers.rabbitmqctl)
    asyncio.run(admin_creates_payment_table(database_url))
    passwords = {"payment": "first1"}

    def run() -> dict[str, Credentials]:
        return asyncio.run(provision(database_url, amqp_url, rabbit, prefix, passwords))

    run()
    passwords["payment"] = "second2"  # a changed password is set again
    credentials = run()
    payment = credentials["payment"]
    assert urlsplit(payment.database_url).password == "second2"
    # The table, its index and its sequence now belong to payment's role.
    assert asyncio.run(owners(database_url, "payment")) == {f"{prefix}_payment"}
    note = asyncio.run(as_role(payment.database_url, "SELECT note FROM payment.legacy"))
    assert note == "before roles"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(as_role(credentials["inventory"].database_url, "SELECT 1 FROM payment.legacy"))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(as_role(payment.database_url, "CREATE SCHEMA elsewhere"))
