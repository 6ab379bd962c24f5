"""Clients given every node find the live one when the node they are on dies.

RabbitMQ: a Broker on two nodes (this package's private one first, the machine's second; two
separate brokers stand in for a cluster, which is all the client sees of one) keeps consuming
after its node is stopped. Postgres: a pool and an engine given a standby first land on the
primary (`target_session_attrs=read-write`), and after a failover (the primary gone, the standby
promoted) new connections reach the new primary, and the old ones fail only as transient
faults (which the services retry).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import pytest
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy import text

from devtools import infra
from devtools.private_servers import (
    PrivatePostgres,
    PrivateServers,
    _as_user,
    _own_directory,
    free_port,
    postgres_bin,
)
from servicekit.amqp import Broker
from servicekit.db import create_engine
from servicekit.pg import open_pool
from servicekit.transient import is_transient

pytestmark = pytest.mark.e2e

T = TypeVar("T")


@pytest.fixture
def vhost_on_both(servers_up: PrivateServers, servers: infra.Servers) -> Iterator[str]:
    """One vhost name on the private node and on the machine's; the URL names both nodes."""
    vhost = f"failover-{uuid.uuid4().hex[:8]}"
    controls = [servers_up.rabbitmq.rabbitmqctl, servers.rabbitmqctl or ["rabbitmqctl"]]
    for ctl in controls:
        subprocess.run([*ctl, "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(
            [*ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
    shared = infra.with_vhost(servers.amqp_admin_url, vhost)
    shared_host = shared.split("@", 1)[1].split("/", 1)[0]
    yield (
        f"amqp://guest:guest@127.0.0.1:{servers_up.rabbitmq.port},{shared_host}/"
        f"{quote(vhost, safe='')}"
    )
    for ctl in controls:
        subprocess.run([*ctl, "delete_vhost", vhost], check=False, capture_output=True)


async def test_a_broker_goes_on_consuming_on_the_other_node(
    vhost_on_both: str, servers_up: PrivateServers
) -> None:
    broker = Broker(vhost_on_both)
    await broker.connect()
    try:
        queue = f"failover.{uuid.uuid4().hex[:8]}"
        got: asyncio.Queue[bytes] = asyncio.Queue()

        async def handler(message: AbstractIncomingMessage) -> None:
            await got.put(message.body)

        await broker.consume(queue, handler)
        await broker.publish(queue, {"node": "first"})
        assert json.loads(await asyncio.wait_for(got.get(), timeout=10)) == {"node": "first"}

        first_node = broker.node
        assert first_node == f"127.0.0.1:{servers_up.rabbitmq.port}"
        await asyncio.to_thread(servers_up.rabbitmq.stop)
        await _until(lambda: broker.node not in (None, first_node), "on the other node", 30)
        # The robust channel declares the queue again on the node it reconnected to, and its
        # consumer with it, a moment after the connection is up: a message published before the
        # queue is there is unroutable and dropped, so publish again until one is consumed.
        consumed = await _consumed_after_publishing(broker, queue, got, {"node": "second"}, 30)
        assert json.loads(consumed) == {"node": "second"}
    finally:
        await broker.close()


@contextlib.contextmanager
def primary_and_standby(directory: Path) -> Iterator[tuple[PrivatePostgres, PrivatePostgres]]:
    """A private primary and a streaming standby of it (pg_basebackup -R)."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    primary = PrivatePostgres.create(directory / "primary")
    standby = PrivatePostgres(_own_directory(directory / "standby", "postgres"), free_port())
    try:
        primary.start()
        subprocess.run(
            [
                *_as_user("postgres"), str(postgres_bin() / "pg_basebackup"),
                "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                "-D", str(standby.data), "-R", "-X", "stream", "--no-sync",
            ],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        standby.start()
        yield primary, standby
    finally:
        for server in (standby, primary):
            if server.running:
                with contextlib.suppress(Exception):
                    server.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)


Pair = tuple[str, PrivatePostgres, PrivatePostgres]


@pytest.fixture
def pair() -> Iterator[Pair]:
    """(a URL naming the standby first, then the primary; the primary; the standby)."""
    try:
        postgres_bin()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    # Under /tmp, not pytest's directory: the servers run as postgres and must reach it.
    with primary_and_standby(Path(tempfile.mkdtemp(prefix="stepwise-failover-"))) as servers:
        primary, standby = servers
        url = (
            f"postgresql://postgres@127.0.0.1:{standby.port},127.0.0.1:{primary.port}"
            "/postgres?target_session_attrs=read-write"
        )
        yield url, primary, standby


async def test_pool_and_engine_skip_the_standby_and_follow_a_failover(pair: Pair) -> None:
    url, primary, standby = pair
    pool = await open_pool(url, size=2)
    engine = create_engine(url, pool_size=1)
    try:
        assert await pool.fetchval("SELECT inet_server_port()") == primary.port
        async with engine.connect() as connection:
            port = (await connection.execute(text("SELECT inet_server_port()"))).scalar()
        assert port == primary.port

        # Failover: the primary dies, the standby is promoted.
        await asyncio.to_thread(primary.stop, "immediate")
        await asyncio.to_thread(_promote, standby)

        # A pooled connection to the dead primary is dropped by the pool (asyncpg sees the
        # socket close) or fails as a transient fault, which callers retry; either way the next
        # connection goes to the new primary.
        new_port = await _first_success(lambda: pool.fetchval("SELECT inet_server_port()"))
        assert new_port == standby.port
        await pool.execute("CREATE TABLE written_after_failover (n int)")

        async def engine_port() -> int:
            async with engine.connect() as connection:
                return int(
                    (await connection.execute(text("SELECT inet_server_port()"))).scalar_one()
                )

        assert await _first_success(engine_port) == standby.port
    finally:
        await pool.close()
        await engine.dispose()


def _promote(server: PrivatePostgres) -> None:
    server._run(str(postgres_bin() / "pg_ctl"), "-D", str(server.data), "-w", "promote")


async def _consumed_after_publishing(
    broker: Broker, queue: str, got: asyncio.Queue[bytes], body: dict[str, str], timeout: float
) -> bytes:
    """Publish `body` every second until the consumer receives a message (within `timeout`)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        await broker.publish(queue, body)
        try:
            return await asyncio.wait_for(got.get(), timeout=1)
        except TimeoutError:
            if asyncio.get_running_loop().time() > deadline:
                raise


async def _first_success(call: Callable[[], Awaitable[T]], attempts: int = 20) -> T:
    """`call()`'s result, retrying transient failures as the services do (any other fails)."""
    for _ in range(attempts):
        try:
            return await call()
        except Exception as exc:
            if not is_transient(exc):
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("never reached a primary")


async def _until(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not {what} in {timeout}s")
        await asyncio.sleep(0.2)
