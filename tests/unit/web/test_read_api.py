"""GET /orders/{id}, GET /orders, GET /products, /healthz, /metrics and the OpenAPI document."""

from __future__ import annotations

import uuid

import httpx

from tests.unit.web.fakes import FakeCatalog, FakeOrchestrator
from tests.unit.web.histories import execution, failed_at_shipping, succeeded


async def test_get_completed_order(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    done, history = succeeded()
    orchestrator.add(done, history)
    response = await client.get(f"/orders/{done.name}")
    assert response.status_code == 200
    body = response.json()
    assert body["order_id"] == done.name
    assert body["status"] == "COMPLETED"
    assert body["payment_id"] == "pay_123"
    assert body["tracking_number"] == "TRK-42"
    assert body["failure"] is None
    assert body["items"][0] == {
        "sku": "TEE",
        "name": "T-shirt",
        "quantity": 2,
        "unit_price_cents": 1999,
        "line_total_cents": 3998,
    }
    assert [step["name"] for step in body["steps"]][-1] == "OrderCompleted"
    assert body["created_at"].startswith("2025-01-01T12:00:00")


async def test_get_failed_order(client: httpx.AsyncClient, orchestrator: FakeOrchestrator) -> None:
    failed, history = failed_at_shipping()
    orchestrator.add(failed, history)
    body = (await client.get(f"/orders/{failed.name}")).json()
    assert body["status"] == "FAILED"
    assert body["failure"] == {"error": "AddressRejected", "cause": "we do not ship to BR"}
    assert ("ShipOrder", "FAILED") in [(step["name"], step["status"]) for step in body["steps"]]
    assert body["execution_id"] == f"order-fulfillment:{failed.name}"


async def test_placed_order_can_be_read_back(client: httpx.AsyncClient) -> None:
    placed = await client.post(
        "/orders",
        json={
            "customer": {"email": "grace@example.com"},
            "items": [{"sku": "MUG", "quantity": 3}],
            "payment": {"token": "tok_1"},
            "shipping_address": {
                "name": "G",
                "line1": "1 Main St",
                "city": "Arlington",
                "postal_code": "22201",
                "country": "US",
            },
        },
    )
    response = await client.get(placed.headers["location"])
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["total_cents"], body["currency"]) == ("PROCESSING", 2550, "EUR")
    assert body["steps"] == []


async def test_unknown_order_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/orders/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_get_order_with_orchestrator_down_is_503(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    orchestrator.down = True
    response = await client.get(f"/orders/{uuid.uuid4()}")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_list_pages_newest_first(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    placed = [execution(), *[builder()[0] for builder in (succeeded, failed_at_shipping)]]
    placed += [execution() for _ in range(2)]
    for one in placed:
        orchestrator.add(one)
    newest_first = [one.name for one in reversed(placed)]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await client.get("/orders", params=params)
        assert response.status_code == 200
        page = response.json()
        assert len(page["orders"]) <= 2
        seen += [order["order_id"] for order in page["orders"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first
    assert pages == 3


async def test_list_summaries(client: httpx.AsyncClient, orchestrator: FakeOrchestrator) -> None:
    done, _ = succeeded()
    orchestrator.add(done)
    [summary] = (await client.get("/orders")).json()["orders"]
    assert summary == {
        "order_id": done.name,
        "status": "COMPLETED",
        "total_cents": 3998,
        "currency": "EUR",
        "created_at": summary["created_at"],
        "finished_at": summary["finished_at"],
    }
    assert summary["created_at"] and summary["finished_at"]


async def test_list_default_limit_is_20(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    for _ in range(25):
        orchestrator.add(execution())
    page = (await client.get("/orders")).json()
    assert len(page["orders"]) == 20
    assert page["next_cursor"] is not None


async def test_list_with_an_unknown_cursor_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/orders", params={"cursor": "garbage"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_products_come_from_the_catalog(
    client: httpx.AsyncClient, catalog: FakeCatalog
) -> None:
    response = await client.get("/products")
    assert response.status_code == 200
    assert {p["sku"]: p["price_cents"] for p in response.json()} == {
        "TEE": 1999,
        "MUG": 850,
        "HAT": 1200,
    }
    assert set(response.json()[0]) == {"sku", "name", "price_cents", "currency", "available"}


async def test_products_with_inventory_down_is_503(
    client: httpx.AsyncClient, catalog: FakeCatalog
) -> None:
    catalog.down = True
    response = await client.get("/products")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_healthz_ok_when_both_upstreams_are(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "orchestrator": "ok", "inventory": "ok"}


async def test_healthz_names_the_upstream_that_is_down(
    client: httpx.AsyncClient, catalog: FakeCatalog
) -> None:
    catalog.down = True
    response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["orchestrator"] == "ok"
    assert response.json()["inventory"].startswith("unavailable")


async def test_metrics_count_placed_orders(client: httpx.AsyncClient) -> None:
    def placed() -> float:
        for line in metrics.text.splitlines():
            if line.startswith('web_orders_placed_total{outcome="started"}'):
                return float(line.split()[-1])
        return 0.0

    metrics = await client.get("/metrics")
    before = placed()
    await client.post(
        "/orders",
        json={
            "customer": {"email": "m@example.com"},
            "items": [{"sku": "TEE", "quantity": 1}],
            "payment": {"token": "t"},
            "shipping_address": {
                "name": "n",
                "line1": "l",
                "city": "c",
                "postal_code": "p",
                "country": "FR",
            },
        },
    )
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert placed() == before + 1


async def test_openapi_documents_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    post = spec["paths"]["/orders"]["post"]
    assert post["summary"] == "Place an order"
    assert "Location" in post["responses"]["202"]["headers"]
    for status in ("409", "413", "415", "422", "503"):
        assert "application/problem+json" in post["responses"][status]["content"]
    assert spec["components"]["schemas"]["OrderRequest"]["examples"]
    assert spec["paths"]["/orders/{order_id}"]["get"]["responses"]["200"]
    assert spec["paths"]["/products"]["get"]["summary"]


async def test_wait_is_passed_to_the_orchestrator_and_bounded(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    done, history = succeeded()
    orchestrator.add(done, history)
    assert (await client.get(f"/orders/{done.name}?wait=2.5")).status_code == 200
    assert (await client.get(f"/orders/{done.name}")).status_code == 200
    assert orchestrator.history_waits == [2.5, 0]
    for bad in ("21", "-1", "soon"):
        response = await client.get(f"/orders/{done.name}?wait={bad}")
        assert response.status_code == 422, bad
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "wait" in response.text
