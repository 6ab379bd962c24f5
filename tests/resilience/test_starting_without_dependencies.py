"""A service started while Postgres or RabbitMQ is down serves /healthz as 503 naming what it
waits for, answers other requests 503 with Retry-After, and becomes healthy once it is back."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from devtools.private_servers import PrivateServers
from devtools.processes import ServiceProcess, Stack

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 30.0


def _one_service(package: str, database_url: str, amqp_url: str, logs: Path) -> ServiceProcess:
    return Stack.create(database_url, amqp_url, logs).services[package]


def _auth(service: ServiceProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {service.env['API_TOKEN']}"}


def _health(service: ServiceProcess) -> tuple[int, dict[str, str]]:
    response = httpx.get(f"{service.url}/healthz", timeout=2)
    return response.status_code, response.json()


def _wait_for_health(service: ServiceProcess, waiting_for: str) -> dict[str, str]:
    """Until /healthz answers (503) and names `waiting_for` as down."""
    deadline = time.monotonic() + WAIT_SECONDS
    body: dict[str, str] = {}
    while time.monotonic() < deadline:
        assert service.running, service.log_tail()
        try:
            status, body = _health(service)
        except httpx.HTTPError:
            time.sleep(0.1)
            continue
        assert status == 503, body
        if body.get("waiting_for") == waiting_for and waiting_for in body:
            return body
        time.sleep(0.1)
    raise AssertionError(f"/healthz never named {waiting_for}: {body}\n{service.log_tail()}")


def test_a_service_started_while_postgres_is_down_comes_up_when_it_returns(
    servers_up: PrivateServers,
    private_database_url: str,
    private_amqp_url: str,
    tmp_path: Path,
) -> None:
    servers_up.postgres.stop()
    payment = _one_service("payment_service", private_database_url, private_amqp_url, tmp_path)
    payment.start()
    try:
        body = _wait_for_health(payment, "database")
        assert body["database"].startswith("unavailable")
        refused = httpx.get(
            f"{payment.url}/payments", params={"order_id": "x"}, headers=_auth(payment), timeout=2
        )
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0

        time.sleep(2)  # a few attempts fail and the process stays
        assert payment.running
        servers_up.postgres.start()
        payment.wait_healthy(WAIT_SECONDS)
        found = httpx.get(
            f"{payment.url}/payments", params={"order_id": "x"}, headers=_auth(payment), timeout=5
        )
        assert found.status_code == 200
        assert "waiting for database (attempt 1 failed" in payment.log_path.read_text()
    finally:
        payment.stop()


def test_a_service_started_while_rabbitmq_is_down_comes_up_when_it_returns(
    servers_up: PrivateServers,
    private_database_url: str,
    private_amqp_url: str,
    tmp_path: Path,
) -> None:
    servers_up.rabbitmq.stop()
    inventory = _one_service("inventory_service", private_database_url, private_amqp_url, tmp_path)
    inventory.start()
    try:
        body = _wait_for_health(inventory, "broker")
        assert body["broker"].startswith("unavailable")
        time.sleep(2)
        assert inventory.running
        servers_up.rabbitmq.start()
        inventory.wait_healthy(WAIT_SECONDS)
        items = httpx.get(f"{inventory.url}/items", headers=_auth(inventory), timeout=5)
        assert items.status_code == 200
    finally:
        inventory.stop()
