"""A private Postgres and RabbitMQ node for this package, to stop and start under the services
(devtools.private_servers): the machine's own servers are shared and never stopped by tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import infra
from devtools.private_servers import PrivateServers, private_servers


@pytest.fixture(scope="package")
def private() -> Iterator[PrivateServers]:
    try:
        with private_servers() as started:
            yield started
    except RuntimeError as exc:
        pytest.fail(f"could not start private servers: {exc}", pytrace=False)


@pytest.fixture(scope="package")
def private_database_url(private: PrivateServers) -> Iterator[str]:
    with infra.fresh_database(private.servers.postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="package")
def private_amqp_url(private: PrivateServers) -> Iterator[str]:
    with infra.fresh_vhost(private.servers) as url:
        yield url


@pytest.fixture
def servers_up(private: PrivateServers) -> Iterator[PrivateServers]:
    """The private servers, started again after a test that stopped them."""
    yield private
    if not private.postgres.running:
        private.postgres.start()
    if not private.rabbitmq.running:
        private.rabbitmq.start()
