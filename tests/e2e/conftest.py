"""The running system for end-to-end tests: five processes on this run's database and vhost."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from devtools.processes import Stack
from tests.stacks import running_stack


@pytest.fixture(scope="package")
def stack(
    database_url: str,
    amqp_url: str,
    service_accounts: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("service-logs")
    # JSON log lines: tests/e2e/test_observability.py reads them. Each service connects with
    # its own role and user (least privilege, as deployed).
    yield from running_stack(database_url, amqp_url, log_dir, LOG_FORMAT="json", **service_accounts)


@contextlib.contextmanager
def client_for(stack: Stack, package: str) -> Iterator[httpx.Client]:
    """A client that bears the stack's API token, as an operator's or another service's would.
    The shop's public routes answer it as they answer anyone."""
    with httpx.Client(
        base_url=stack.url(package), timeout=10, headers=stack.auth_headers
    ) as client:
        yield client


@pytest.fixture(scope="package")
def web(stack: Stack) -> Iterator[httpx.Client]:
    with client_for(stack, "web") as client:
        yield client


@pytest.fixture(scope="package")
def orchestrator(stack: Stack) -> Iterator[httpx.Client]:
    with client_for(stack, "orchestrator") as client:
        yield client


@pytest.fixture(scope="package")
def payment(stack: Stack) -> Iterator[httpx.Client]:
    with client_for(stack, "payment_service") as client:
        yield client


@pytest.fixture(scope="package")
def inventory(stack: Stack) -> Iterator[httpx.Client]:
    with client_for(stack, "inventory_service") as client:
        yield client


@pytest.fixture(scope="package")
def shipping(stack: Stack) -> Iterator[httpx.Client]:
    with client_for(stack, "shipping_service") as client:
        yield client
