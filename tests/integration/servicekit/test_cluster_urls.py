"""A DATABASE_URL or AMQP_URL that names several hosts, the first of them dead: the Broker, the
hot path's pool and the SQLAlchemy engine each reach the one that answers."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import text

from devtools.private_servers import free_port
from servicekit.amqp import Broker
from servicekit.db import create_engine
from servicekit.pg import open_pool

pytestmark = pytest.mark.integration


def with_dead_host_first(url: str) -> str:
    """`url` with a host where nothing listens put before its own."""
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    dead = f"127.0.0.1:{free_port()}"
    netloc = f"{userinfo}@{dead},{host}" if userinfo else f"{dead},{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def test_broker_connects_to_the_node_that_answers(amqp_url: str) -> None:
    broker = Broker(with_dead_host_first(amqp_url))
    await broker.connect()
    try:
        queue = f"cluster.{uuid.uuid4().hex[:8]}"
        got: asyncio.Queue[bytes] = asyncio.Queue()

        async def handler(message: AbstractIncomingMessage) -> None:
            await got.put(message.body)

        await broker.consume(queue, handler)
        await broker.publish(queue, {"n": 1})
        assert json.loads(await asyncio.wait_for(got.get(), timeout=10)) == {"n": 1}
    finally:
        await broker.close()


async def test_pool_and_engine_reach_the_host_that_answers(database_url: str) -> None:
    url = with_dead_host_first(database_url) + "?target_session_attrs=read-write"
    pool = await open_pool(url, size=1)
    try:
        assert await pool.fetchval("SELECT NOT pg_is_in_recovery()") is True
    finally:
        await pool.close()
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()
