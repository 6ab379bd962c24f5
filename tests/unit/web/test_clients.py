"""The real HTTP clients against a fake transport: the orchestrator's and inventory's wire API."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from web.catalog import CatalogClient
from web.errors import InvalidCursor, UpstreamError, UpstreamUnavailable
from web.orchestrator import ExecutionAlreadyExists, OrchestratorClient

Handler = Callable[[httpx.Request], httpx.Response]

EXECUTION = {
    "executionId": "order-fulfillment:abc",
    "name": "abc",
    "stateMachineName": "order-fulfillment",
    "stateMachineVersion": 1,
    "status": "SUCCEEDED",
    "input": {"order_id": "abc"},
    "output": json.dumps({"payment_id": "pay_1"}),
    "error": None,
    "cause": None,
    "startDate": "2025-01-01T12:00:00Z",
    "stopDate": "2025-01-01T12:00:05Z",
}


def _http(handler: Handler, base_url: str = "http://upstream") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url=base_url)


async def test_start_execution_posts_the_contract_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=EXECUTION)

    async with _http(handler) as http:
        started = await OrchestratorClient(http).start_execution(
            "order-fulfillment", "abc", {"order_id": "abc"}
        )
    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/executions")
    assert json.loads(request.content) == {
        "stateMachineName": "order-fulfillment",
        "name": "abc",
        "input": {"order_id": "abc"},
    }
    assert started.execution_id == "order-fulfillment:abc"
    assert started.output == {"payment_id": "pay_1"}  # JSON text decoded
    assert started.stop_date is not None


async def test_start_execution_409_is_already_exists() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"title": "ExecutionAlreadyExists", "status": 409, "detail": "x"}
        return httpx.Response(409, json=body, headers={"content-type": "application/problem+json"})

    async with _http(handler) as http:
        with pytest.raises(ExecutionAlreadyExists):
            await OrchestratorClient(http).start_execution("order-fulfillment", "abc", {})


async def test_describe_and_history_use_the_execution_id_path() -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        if request.url.path.endswith("/history"):
            events = [
                {
                    "id": 1,
                    "previousEventId": 0,
                    "timestamp": "2025-01-01T12:00:00Z",
                    "type": "ExecutionStarted",
                    "details": {"input": {}},
                },
                {
                    "id": 2,
                    "previousEventId": 1,
                    "timestamp": "2025-01-01T12:00:01Z",
                    "type": "TaskStateEntered",
                    "details": {"name": "ChargePayment"},
                },
            ]
            return httpx.Response(200, json={"events": events})
        return httpx.Response(200, json=EXECUTION)

    async with _http(handler) as http:
        client = OrchestratorClient(http)
        described = await client.describe_execution("order-fulfillment:abc")
        history = await client.get_history("order-fulfillment:abc")
    assert paths == [
        "/executions/order-fulfillment:abc",
        "/executions/order-fulfillment:abc/history",
    ]
    assert described is not None and described.status == "SUCCEEDED"
    assert history is not None
    assert [(e.id, e.previous_event_id, e.type) for e in history] == [
        (1, 0, "ExecutionStarted"),
        (2, 1, "TaskStateEntered"),
    ]


async def test_unknown_execution_is_none() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"title": "ExecutionDoesNotExist"})

    async with _http(handler) as http:
        client = OrchestratorClient(http)
        assert await client.describe_execution("order-fulfillment:nope") is None
        assert await client.get_history("order-fulfillment:nope") is None


async def test_list_executions_passes_paging() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"executions": [EXECUTION], "nextCursor": "c2"})

    async with _http(handler) as http:
        page = await OrchestratorClient(http).list_executions("order-fulfillment", 5, "c1")
    assert dict(seen[0].url.params) == {
        "stateMachineName": "order-fulfillment",
        "limit": "5",
        "cursor": "c1",
    }
    assert page.next_cursor == "c2"
    assert [e.name for e in page.executions] == ["abc"]


async def test_list_with_a_rejected_cursor_is_invalid_cursor() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"title": "bad cursor"})

    async with _http(handler) as http:
        with pytest.raises(InvalidCursor):
            await OrchestratorClient(http).list_executions("order-fulfillment", 5, "zz")


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    "handler",
    [_refuse, lambda request: httpx.Response(503, text="starting")],
    ids=["unreachable", "5xx"],
)
async def test_unavailable_orchestrator(handler: Handler) -> None:
    async with _http(handler) as http:
        client = OrchestratorClient(http)
        with pytest.raises(UpstreamUnavailable, match="orchestrator"):
            await client.describe_execution("order-fulfillment:abc")
        assert (await client.health()).startswith("unavailable")


async def test_malformed_orchestrator_answer_is_upstream_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"unexpected": True})

    async with _http(handler) as http:
        with pytest.raises(UpstreamError):
            await OrchestratorClient(http).describe_execution("order-fulfillment:abc")


async def test_catalog_client() -> None:
    tee = {"sku": "TEE/1", "name": "T", "price_cents": 100, "currency": "EUR", "available": 2}
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.raw_path.decode())
        if request.url.raw_path == b"/items":
            return httpx.Response(200, json=[tee])
        if request.url.raw_path == b"/items/TEE%2F1":
            return httpx.Response(200, json=tee)
        if request.url.path == "/healthz":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404, json={"title": "not found"})

    async with _http(handler) as http:
        catalog = CatalogClient(http)
        assert [i.sku for i in await catalog.list_items()] == ["TEE/1"]
        found = await catalog.get_item("TEE/1")
        assert found is not None and found.price_cents == 100
        assert await catalog.get_item("NOPE") is None
        assert await catalog.health() == "ok"
    assert paths[:3] == ["/items", "/items/TEE%2F1", "/items/NOPE"]


async def test_unreachable_catalog() -> None:
    async with _http(_refuse) as http:
        with pytest.raises(UpstreamUnavailable, match="inventory"):
            await CatalogClient(http).get_item("TEE")
