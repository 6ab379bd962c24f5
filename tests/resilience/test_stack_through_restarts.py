"""The five services on the private servers: orders complete after RabbitMQ and Postgres
restart under them, with no service restarted (consumers pause and resume; nothing is lost)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from devtools.accounts import service_accounts
from devtools.private_servers import PrivateServers
from devtools.processes import Stack
from tests.e2e.orders import order_request, place, stocked_product, wait_finished
from tests.stacks import running_stack

pytestmark = pytest.mark.e2e

HEALTHY_AGAIN_SECONDS = 60.0


@pytest.fixture(scope="module")
def stack(
    private: PrivateServers,
    private_database_url: str,
    private_amqp_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    # Each service on its own role and user, which outlive the servers' restarts.
    with service_accounts(private.servers, private_database_url, private_amqp_url) as own:
        log_dir = tmp_path_factory.mktemp("service-logs")
        yield from running_stack(private_database_url, private_amqp_url, log_dir, **own)


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("web"), timeout=10, headers=stack.auth_headers) as client:
        yield client


def _all_healthy(stack: Stack) -> None:
    for service in stack.services.values():
        service.wait_healthy(HEALTHY_AGAIN_SECONDS)


def _completes(web: httpx.Client) -> None:
    product = stocked_product(web)
    order = wait_finished(web, place(web, order_request(product["sku"])), timeout=60)
    assert order["status"] == "COMPLETED", order


def test_an_order_placed_after_a_rabbitmq_restart_completes(
    servers_up: PrivateServers, stack: Stack, web: httpx.Client
) -> None:
    _completes(web)
    servers_up.rabbitmq.stop()
    time.sleep(1)
    assert all(service.running for service in stack.services.values())
    servers_up.rabbitmq.start()
    _all_healthy(stack)
    _completes(web)


def test_an_order_placed_while_rabbitmq_is_down_completes_when_it_returns(
    servers_up: PrivateServers, stack: Stack, web: httpx.Client
) -> None:
    product = stocked_product(web)
    servers_up.rabbitmq.stop()
    try:
        # Started and stored in Postgres; its first command waits in the outbox.
        order_id = place(web, order_request(product["sku"]))
    finally:
        servers_up.rabbitmq.start()
    order = wait_finished(web, order_id, timeout=60)
    assert order["status"] == "COMPLETED", order


def test_an_order_placed_after_a_postgres_restart_completes(
    servers_up: PrivateServers, stack: Stack, web: httpx.Client
) -> None:
    servers_up.postgres.stop()
    time.sleep(1)
    refused = web.get(f"/orders/{uuid.uuid4()}")
    assert refused.status_code == 503, refused.text
    assert refused.headers.get("retry-after")
    servers_up.postgres.start()
    _all_healthy(stack)
    _completes(web)
