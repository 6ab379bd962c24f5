"""The running system for end-to-end tests: five processes on this run's database and vhost."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.processes import Stack


@pytest.fixture(scope="package")
def stack(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("service-logs")
    running = Stack.create(database_url, amqp_url, log_dir)
    try:
        running.start()
    except RuntimeError as exc:
        running.stop()
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()


@pytest.fixture(scope="package")
def web(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("web"), timeout=10) as client:
        yield client


@pytest.fixture(scope="package")
def orchestrator(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("orchestrator"), timeout=10) as client:
        yield client


@pytest.fixture(scope="package")
def payment(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("payment_service"), timeout=10) as client:
        yield client


@pytest.fixture(scope="package")
def inventory(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("inventory_service"), timeout=10) as client:
        yield client


@pytest.fixture(scope="package")
def shipping(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("shipping_service"), timeout=10) as client:
        yield client
