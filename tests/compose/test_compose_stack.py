"""The docker compose stack, end to end: `docker compose up --build`, then one happy order.

Needs a Docker engine; where none answers, the test is skipped and says so."""

from __future__ import annotations

import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.infra import docker_available
from scripts.env_file import update
from tests.e2e.orders import order_request

pytestmark = pytest.mark.compose

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose_web() -> Iterator[str]:
    if not docker_available():
        pytest.skip("no Docker engine answers `docker info`: the compose stack cannot start here")
    from testcontainers.compose import DockerCompose

    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        shutil.copy(ROOT / ".env.example", env_file)
        # The services refuse .env.example's placeholder token.
        update(env_file, {"API_TOKEN": secrets.token_urlsafe(32)})
    try:
        with DockerCompose(ROOT, build=True, wait=True) as stack:
            host = stack.get_service_host("web", 8000)
            port = stack.get_service_port("web", 8000)
            yield f"http://{host}:{port}"
    finally:
        if created:
            env_file.unlink()


def finished(web: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    placed = web.post("/orders", json=body)
    assert placed.status_code == 202, placed.text
    order_id = placed.json()["order_id"]
    deadline = time.monotonic() + 60
    while (order := web.get(f"/orders/{order_id}").json())["status"] == "PROCESSING":
        assert time.monotonic() < deadline, order
        time.sleep(0.2)
    return dict(order)


def test_an_order_completes_on_the_compose_stack(compose_web: str) -> None:
    with httpx.Client(base_url=compose_web, timeout=10) as web:
        sku = web.get("/products").json()[0]["sku"]
        order = finished(web, order_request(sku))
        assert order["status"] == "COMPLETED", order
        assert order["tracking_number"], order


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("declined", "PaymentDeclined"),
        ("out_of_stock", "OutOfStock"),
        ("address_rejected", "AddressRejected"),
    ],
)
def test_each_failure_path_on_the_compose_stack(compose_web: str, case: str, error: str) -> None:
    with httpx.Client(base_url=compose_web, timeout=10) as web:
        product = max(web.get("/products").json(), key=lambda p: p["available"])
        body = {
            "declined": order_request(product["sku"], token="tok_chargeDeclined"),
            "out_of_stock": order_request(product["sku"], min(product["available"] + 1, 1000)),
            "address_rejected": order_request(product["sku"], country="BR"),
        }[case]
        order = finished(web, body)
        assert order["status"] == "FAILED", order
        assert order["failure"]["error"] == error, order
        after = {p["sku"]: p["available"] for p in web.get("/products").json()}
        assert after[product["sku"]] == product["available"], "a failed order kept a hold"
