"""Shared fixtures: a fresh Postgres database and RabbitMQ vhost per test run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import infra


@pytest.fixture(scope="session")
def servers() -> Iterator[infra.Servers]:
    try:
        with infra.servers() as found:
            yield found
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def database_url(servers: infra.Servers) -> Iterator[str]:
    """postgresql://... of a database created for this run (each service migrates its schema)."""
    with infra.fresh_database(servers.postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url(servers: infra.Servers) -> Iterator[str]:
    """amqp://... of a vhost created for this run."""
    with infra.fresh_vhost(servers) as url:
        yield url
