"""POST /orders: priced from the catalog, started as an execution, idempotent with a key."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

import httpx
import pytest

from tests.unit.web.conftest import an_order
from tests.unit.web.fakes import FakeCatalog, FakeOrchestrator
from web.orchestrator import Execution
from web.pricing import IDEMPOTENCY_NAMESPACE


async def test_order_is_accepted_with_location(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    response = await client.post("/orders", json=an_order())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "PROCESSING"
    assert uuid.UUID(body["order_id"]).version == 4
    assert response.headers["location"] == f"/orders/{body['order_id']}"
    assert [(machine, name) for machine, name, _ in orchestrator.starts] == [
        ("order-fulfillment", body["order_id"])
    ]


async def test_execution_input_has_what_the_workflow_reads(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    order = an_order()
    order_id = (await client.post("/orders", json=order)).json()["order_id"]
    [(_, _, started)] = orchestrator.starts
    # Read by order-fulfillment.asl.json:
    assert started["order_id"] == order_id
    assert started["total_cents"] == 2 * 1999 + 850
    assert started["currency"] == "EUR"
    assert started["payment"] == {"token": order["payment"]["token"]}
    assert started["shipping_address"] == order["shipping_address"]
    assert started["items"] == [
        {
            "sku": "TEE",
            "name": "T-shirt",
            "quantity": 2,
            "unit_price_cents": 1999,
            "line_total_cents": 3998,
        },
        {
            "sku": "MUG",
            "name": "Mug",
            "quantity": 1,
            "unit_price_cents": 850,
            "line_total_cents": 850,
        },
    ]
    # Kept for the order's view and for idempotency:
    assert started["customer"] == order["customer"]
    assert datetime.fromisoformat(started["created_at"]).tzinfo is not None
    canonical = json.dumps(order, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert started["request_fingerprint"] == hashlib.sha256(canonical.encode()).hexdigest()


async def test_prices_follow_the_catalog(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator, catalog: FakeCatalog
) -> None:
    catalog.items["TEE"] = catalog.items["TEE"].model_copy(update={"price_cents": 2500})
    await client.post("/orders", json=an_order(items=[{"sku": "TEE", "quantity": 3}]))
    assert orchestrator.starts[0][2]["total_cents"] == 7500


async def test_each_order_without_a_key_is_a_new_order(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    order = an_order()
    first = (await client.post("/orders", json=order)).json()["order_id"]
    second = (await client.post("/orders", json=order)).json()["order_id"]
    assert first != second
    assert len(orchestrator.starts) == 2


async def test_same_key_same_body_replays_the_order(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    key = f"key-{uuid.uuid4()}"
    order = an_order()
    first = await client.post("/orders", json=order, headers={"Idempotency-Key": key})
    # The same request, keys in another order: the canonical body is the same.
    reordered = json.dumps(dict(reversed(list(order.items()))), indent=2)
    second = await client.post(
        "/orders",
        content=reordered,
        headers={"Idempotency-Key": key, "content-type": "application/json"},
    )
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert first.json()["order_id"] == str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, key))
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(orchestrator.starts) == 1


async def test_same_key_different_body_is_409(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    key = f"key-{uuid.uuid4()}"
    await client.post("/orders", json=an_order(), headers={"Idempotency-Key": key})
    response = await client.post(
        "/orders",
        json=an_order(items=[{"sku": "MUG", "quantity": 5}]),
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]
    assert len(orchestrator.starts) == 1


async def test_different_keys_are_different_orders(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    order = an_order()
    a = await client.post("/orders", json=order, headers={"Idempotency-Key": f"a-{uuid.uuid4()}"})
    b = await client.post("/orders", json=order, headers={"Idempotency-Key": f"b-{uuid.uuid4()}"})
    assert a.json()["order_id"] != b.json()["order_id"]
    assert len(orchestrator.starts) == 2


def _racer(key: str, fingerprint_of: dict[str, object] | None) -> Execution:
    """An execution a concurrent request with `key` started between our check and our start."""
    order_id = str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, key))
    fingerprint = None
    if fingerprint_of is not None:
        canonical = json.dumps(fingerprint_of, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
    return Execution(
        execution_id=f"order-fulfillment:{order_id}",
        name=order_id,
        state_machine_name="order-fulfillment",
        status="RUNNING",
        input={"order_id": order_id, "request_fingerprint": fingerprint, "created_at": "earlier"},
    )


async def test_race_with_the_same_request_is_a_replay(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    key, order = f"key-{uuid.uuid4()}", an_order()
    orchestrator.racing = _racer(key, order)
    response = await client.post("/orders", json=order, headers={"Idempotency-Key": key})
    assert response.status_code == 202
    assert response.headers["idempotent-replayed"] == "true"
    assert orchestrator.starts == []


async def test_orchestrator_execution_already_exists_is_409(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    key = f"key-{uuid.uuid4()}"
    orchestrator.racing = _racer(key, an_order())
    response = await client.post("/orders", json=an_order(), headers={"Idempotency-Key": key})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("down", ["orchestrator", "catalog"])
async def test_unavailable_upstream_is_503(
    client: httpx.AsyncClient,
    orchestrator: FakeOrchestrator,
    catalog: FakeCatalog,
    down: str,
) -> None:
    (orchestrator if down == "orchestrator" else catalog).down = True
    response = await client.post("/orders", json=an_order())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    assert ("orchestrator" if down == "orchestrator" else "inventory") in response.json()["detail"]
    assert orchestrator.starts == []


async def test_unavailable_orchestrator_with_a_key_is_503(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    orchestrator.down = True
    response = await client.post(
        "/orders", json=an_order(), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 503


async def test_replay_does_not_price_again(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator, catalog: FakeCatalog
) -> None:
    # The first request placed the order; a retry after the sku left the catalog still finds it.
    key, order = f"key-{uuid.uuid4()}", an_order()
    first = await client.post("/orders", json=order, headers={"Idempotency-Key": key})
    del catalog.items["TEE"]
    catalog.down = True
    retry = await client.post("/orders", json=order, headers={"Idempotency-Key": key})
    assert retry.status_code == 202, retry.text
    assert retry.json() == first.json()
    assert len(orchestrator.starts) == 1
