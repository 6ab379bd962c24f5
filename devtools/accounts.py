"""Every service's own Postgres role and RabbitMQ user for one run (scripts/provision.py), so
the end-to-end tests and the chaos run exercise least privilege as deployed.

Roles and users are cluster-wide: they are named after the run's database (test_<random>), so
concurrent runs never share one, and dropped afterwards."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from urllib.parse import urlsplit

from devtools.infra import Servers
from scripts.provision import deprovision, environment, provision
from scripts.rabbitmq_users import Rabbitmqctl


@contextlib.contextmanager
def service_accounts(
    servers: Servers, database_url: str, amqp_url: str
) -> Iterator[dict[str, str]]:
    """Yields the environment that hands each service its credentials (`<SERVICE>_DATABASE_URL`,
    `<SERVICE>_AMQP_URL`, TASK_QUEUE_OWNERS): pass it to devtools.processes.Stack.create."""
    if servers.rabbitmqctl is None:
        raise RuntimeError("rabbitmqctl is not on PATH: the tests need it to create users")
    rabbit = Rabbitmqctl(servers.rabbitmqctl)
    prefix = urlsplit(database_url).path.lstrip("/")
    try:
        credentials = asyncio.run(provision(database_url, amqp_url, rabbit, prefix, {}))
        yield environment(credentials)
    finally:
        asyncio.run(deprovision(database_url, rabbit, prefix))
