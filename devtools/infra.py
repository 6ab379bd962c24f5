"""Where the tests and benchmarks get Postgres and RabbitMQ, and how each run gets its own
database and vhost.

Order of preference:
1. `TEST_POSTGRES_URL` / `TEST_AMQP_URL` (admin URLs of servers already running; `make test`
   points them at this machine's servers when no Docker engine is present);
2. testcontainers, where a Docker engine answers;
3. otherwise the run stops with a message naming what is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg


@dataclass(frozen=True)
class Servers:
    postgres_admin_url: str  # postgresql://user@host:port/db with rights to CREATE DATABASE
    amqp_admin_url: str  # amqp://user:pass@host:port/ (default vhost)
    rabbitmqctl: list[str] | None  # how to run rabbitmqctl, when we can


def docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, timeout=20, check=False)
    return probe.returncode == 0


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    postgres_url = os.environ.get("TEST_POSTGRES_URL")
    amqp_url = os.environ.get("TEST_AMQP_URL")
    if postgres_url and amqp_url:
        ctl = ["rabbitmqctl"] if shutil.which("rabbitmqctl") else None
        yield Servers(postgres_url, amqp_url, ctl)
        return
    if not docker_available():
        raise RuntimeError(
            "No Postgres/RabbitMQ for the tests: set TEST_POSTGRES_URL and TEST_AMQP_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/postgres and "
            "amqp://guest:guest@127.0.0.1:5672/), or run where a Docker engine answers so "
            "testcontainers can start them. `make test` sets both when no Docker engine is found."
        )
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.community.rabbitmq import RabbitMqContainer

    with (
        PostgresContainer("postgres:16-alpine", driver=None) as pg,
        RabbitMqContainer("rabbitmq:3.13-management-alpine") as mq,
    ):
        host = mq.get_container_host_ip()
        port = mq.get_exposed_port(5672)
        container_id = mq.get_wrapped_container().id
        yield Servers(
            pg.get_connection_url(),
            f"amqp://guest:guest@{host}:{port}/",
            # -i: scripts.rabbitmq_users feeds rabbitmqctl its definitions on stdin.
            ["docker", "exec", "-i", container_id, "rabbitmqctl"],
        )


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgresql+psycopg2://", "postgresql://"
    )


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(_plain(url))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.contextmanager
def fresh_database(admin_url: str, prefix: str = "test") -> Iterator[str]:
    """A new, empty database for this run; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # UTF8 whatever the cluster's default (a cluster made without a UTF-8 locale defaults to
    # SQL_ASCII, which cannot hold the text the services store); C ordering, as on C.UTF-8.
    create = f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'"
    asyncio.run(_admin(admin_url, create))
    try:
        yield _plain(with_database(admin_url, name))
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def fresh_vhost(servers: Servers, prefix: str = "test") -> Iterator[str]:
    """A new RabbitMQ vhost for this run, so two runs never see each other's messages."""
    if servers.rabbitmqctl is None:
        raise RuntimeError(
            "rabbitmqctl is not on PATH: the tests need it to give each run its own vhost"
        )
    vhost = f"{prefix}-{uuid.uuid4().hex[:12]}"
    user = urlsplit(servers.amqp_admin_url).username or "guest"
    ctl = servers.rabbitmqctl
    subprocess.run([*ctl, "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        [*ctl, "set_permissions", "-p", vhost, user, ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    try:
        yield with_vhost(servers.amqp_admin_url, vhost)
    finally:
        subprocess.run([*ctl, "delete_vhost", vhost], check=False, capture_output=True)
