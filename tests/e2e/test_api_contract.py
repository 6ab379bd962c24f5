"""The REST edges as a client sees them: idempotent starts, bad input, execution history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devtools.processes import Stack
from tests.e2e.conftest import client_for
from tests.e2e.orders import order_request, place, stocked_product, wait_finished

pytestmark = pytest.mark.e2e


def execution_count(orchestrator: httpx.Client) -> int:
    listed = orchestrator.get(
        "/executions", params={"stateMachineName": "order-fulfillment", "limit": 1000}
    )
    return len(listed.json()["executions"])


def test_idempotency_key_returns_the_same_order(web: httpx.Client) -> None:
    product = stocked_product(web)
    body = order_request(product["sku"])
    key = str(uuid.uuid4())

    first = place(web, body, **{"Idempotency-Key": key})
    again = place(web, body, **{"Idempotency-Key": key})
    conflict = web.post(
        "/orders",
        json={**body, "items": [{"sku": product["sku"], "quantity": 2}]},
        headers={"Idempotency-Key": key},
    )

    assert first == again
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")
    assert wait_finished(web, first)["status"] == "COMPLETED"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["items"][0].update(sku="NO-SUCH-SKU"), "items[0].sku"),
        (lambda b: b["items"][0].update(quantity=0), "items[0].quantity"),
        (lambda b: b["customer"].update(email="not-an-email"), "customer.email"),
        (lambda b: b.pop("payment"), "payment"),
        (lambda b: b.update(discount=100), "discount"),
        # Found by fuzzing: inventory answered 500 to a sku with a NUL, which web made a 503.
        (lambda b: b["items"][0].update(sku="SKU\x00MUG"), "items[0].sku"),
    ],
)
def test_bad_orders_are_refused_and_start_nothing(
    web: httpx.Client,
    orchestrator: httpx.Client,
    mutate: Callable[[dict[str, Any]], object],
    field: str,
) -> None:
    body = order_request(stocked_product(web, at_least=0)["sku"])
    mutate(body)
    before = execution_count(orchestrator)

    response = web.post("/orders", json=body)

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
    assert execution_count(orchestrator) == before


def test_malformed_json_and_wrong_content_type_are_refused(web: httpx.Client) -> None:
    broken = web.post("/orders", content=b"{not json", headers={"content-type": "application/json"})
    text = web.post("/orders", content=b"hello", headers={"content-type": "text/plain"})
    assert 400 <= broken.status_code < 500
    assert text.status_code == 415
    for response in (broken, text):
        assert response.headers["content-type"].startswith("application/problem+json")


def test_history_names_events_as_step_functions_does(
    web: httpx.Client, orchestrator: httpx.Client
) -> None:
    order_id = place(web, order_request(stocked_product(web)["sku"]))
    wait_finished(web, order_id)

    events = orchestrator.get(f"/executions/order-fulfillment:{order_id}/history").json()["events"]

    types = [e["type"] for e in events]
    assert types[0] == "ExecutionStarted"
    assert types[-1] == "ExecutionSucceeded"
    assert types.count("TaskScheduled") == 3
    assert types.count("TaskSucceeded") == 3
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    # AWS's links: the first state entered follows nothing (0), as AWS records it; in a
    # sequence of states every other event follows the one before it.
    assert [e["previousEventId"] for e in events[:2]] == [0, 0]
    assert all(e["previousEventId"] == e["id"] - 1 for e in events[2:])


def test_starting_the_same_execution_name_twice_is_idempotent(orchestrator: httpx.Client) -> None:
    name = f"manual-{uuid.uuid4()}"
    body = {"stateMachineName": "order-fulfillment", "name": name, "input": {"order_id": name}}
    first = orchestrator.post("/executions", json=body)
    second = orchestrator.post("/executions", json=body)
    other = orchestrator.post("/executions", json={**body, "input": {"order_id": "x"}})
    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 409)
    assert first.json()["executionId"] == second.json()["executionId"]
    orchestrator.post(f"/executions/{first.json()['executionId']}/stop", json={})


@pytest.mark.parametrize(
    "package", ["web", "orchestrator", "payment_service", "inventory_service", "shipping_service"]
)
def test_every_service_serves_health_metrics_and_its_openapi_page(
    stack: Stack, package: str
) -> None:
    with client_for(stack, package) as client:
        health = client.get("/healthz")
        metrics = client.get("/metrics")
        openapi = client.get("/openapi.json")
        docs = client.get("/docs")

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert metrics.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in metrics.text
    assert openapi.json()["paths"]
    assert docs.status_code == 200
