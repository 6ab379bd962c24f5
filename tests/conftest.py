"""Shared fixtures: a fresh Postgres database and RabbitMQ vhost per test package.

Per package, not per session: the packages start consumers of their own (in-process apps in
tests/integration, five processes in tests/e2e), and a consumer left idle by one package must
never hold the messages of another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import accounts, infra


@pytest.fixture(scope="session")
def servers() -> Iterator[infra.Servers]:
    try:
        with infra.servers() as found:
            yield found
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="package")
def database_url(servers: infra.Servers) -> Iterator[str]:
    """postgresql://... of a new database for this package (each service migrates its schema)."""
    with infra.fresh_database(servers.postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="package")
def amqp_url(servers: infra.Servers) -> Iterator[str]:
    """amqp://... of a vhost created for this package."""
    with infra.fresh_vhost(servers) as url:
        yield url


@pytest.fixture(scope="package")
def service_accounts(
    servers: infra.Servers, database_url: str, amqp_url: str
) -> Iterator[dict[str, str]]:
    """Each service's own role and user on this package's database and vhost: the environment
    that hands them to the services (devtools.accounts)."""
    with accounts.service_accounts(servers, database_url, amqp_url) as variables:
        yield variables
