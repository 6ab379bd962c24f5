"""The real HTTP clients against a small local server: the orchestrator's and inventory's wire
API as web sends and reads it (real sockets, a handler per test standing in for the upstream)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from web.catalog import CatalogClient
from web.errors import InvalidCursor, UpstreamError, UpstreamUnavailable
from web.orchestrator import ExecutionAlreadyExists, OrchestratorClient
from web.upstream import Upstream

Handler = Callable[[web.Request], Awaitable[web.Response]]

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


@contextlib.asynccontextmanager
async def _upstream(
    handler: Handler, name: str = "orchestrator", timeout_seconds: float = 5, connections: int = 100
) -> AsyncIterator[Upstream]:
    """An Upstream client on a local server that answers every request with `handler`."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with TestServer(app) as server:
        base_url = str(server.make_url(""))
        upstream = Upstream(
            name, base_url, timeout_seconds, connections=connections, long_poll_connections=1
        )
        async with upstream as client:
            yield client


@contextlib.asynccontextmanager
async def _nobody_listening(name: str) -> AsyncIterator[Upstream]:
    """An Upstream client on a port where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with Upstream(name, f"http://127.0.0.1:{port}", 5) as client:
        yield client


def _json(status: int, body: object, content_type: str = "application/json") -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type=content_type)


async def test_start_execution_posts_the_contract_body() -> None:
    seen: list[tuple[str, str, object]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((request.method, request.path, await request.json()))
        return _json(201, EXECUTION)

    async with _upstream(handler) as upstream:
        started = await OrchestratorClient(upstream).start_execution(
            "order-fulfillment", "abc", {"order_id": "abc"}
        )
    assert seen == [
        (
            "POST",
            "/executions",
            {"stateMachineName": "order-fulfillment", "name": "abc", "input": {"order_id": "abc"}},
        )
    ]
    assert started.execution_id == "order-fulfillment:abc"
    assert started.output == {"payment_id": "pay_1"}  # JSON text decoded
    assert started.stop_date is not None


async def test_start_execution_409_is_already_exists() -> None:
    async def handler(request: web.Request) -> web.Response:
        body = {"title": "ExecutionAlreadyExists", "status": 409, "detail": "x"}
        return _json(409, body, "application/problem+json")

    async with _upstream(handler) as upstream:
        with pytest.raises(ExecutionAlreadyExists):
            await OrchestratorClient(upstream).start_execution("order-fulfillment", "abc", {})


async def test_describe_and_history_use_the_execution_id_path() -> None:
    paths: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        paths.append(request.raw_path)
        if request.path.endswith("/history"):
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
            return _json(200, {"events": events})
        return _json(200, EXECUTION)

    async with _upstream(handler) as upstream:
        client = OrchestratorClient(upstream)
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


async def test_a_history_long_poll_may_outlast_the_usual_timeout() -> None:
    """web holds `waitSeconds` open on top of its timeout; any other call still times out."""
    queries: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        await asyncio.sleep(0.3)  # the orchestrator waiting for the execution to end
        return _json(200, {"events": []})

    async with _upstream(handler, timeout_seconds=0.1) as upstream:
        client = OrchestratorClient(upstream)
        assert await client.get_history("order-fulfillment:abc", wait_seconds=2) == []
        with pytest.raises(UpstreamUnavailable):
            await client.get_history("order-fulfillment:abc")
    assert queries[0] == {"waitSeconds": "2"}
    assert queries[1] == {}


async def test_a_held_long_poll_never_takes_the_connection_other_calls_need() -> None:
    """One connection for calls and one for long-polls: a call goes through while a long-poll
    holds its own connection (sharing one pool, the call would wait for the long-poll)."""
    release = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if "waitSeconds" in request.query:
            await release.wait()  # the execution has not ended yet
            return _json(200, {"events": []})
        return _json(200, EXECUTION)

    async with _upstream(handler, connections=1) as upstream:
        client = OrchestratorClient(upstream)
        held = asyncio.create_task(client.get_history("order-fulfillment:abc", wait_seconds=10))
        await asyncio.sleep(0.1)
        described = await asyncio.wait_for(client.describe_execution("order-fulfillment:abc"), 5)
        assert described is not None
        assert not held.done()
        release.set()
        assert await asyncio.wait_for(held, 5) == []


async def test_unknown_execution_is_none() -> None:
    async def handler(request: web.Request) -> web.Response:
        return _json(404, {"title": "ExecutionDoesNotExist"})

    async with _upstream(handler) as upstream:
        client = OrchestratorClient(upstream)
        assert await client.describe_execution("order-fulfillment:nope") is None
        assert await client.get_history("order-fulfillment:nope") is None


async def test_list_executions_passes_paging() -> None:
    seen: list[dict[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        return _json(200, {"executions": [EXECUTION], "nextCursor": "c2"})

    async with _upstream(handler) as upstream:
        page = await OrchestratorClient(upstream).list_executions("order-fulfillment", 5, "c1")
    assert seen == [{"stateMachineName": "order-fulfillment", "limit": "5", "cursor": "c1"}]
    assert page.next_cursor == "c2"
    assert [e.name for e in page.executions] == ["abc"]


async def test_list_with_a_rejected_cursor_is_invalid_cursor() -> None:
    async def handler(request: web.Request) -> web.Response:
        return _json(400, {"title": "bad cursor"})

    async with _upstream(handler) as upstream:
        with pytest.raises(InvalidCursor):
            await OrchestratorClient(upstream).list_executions("order-fulfillment", 5, "zz")


async def test_unreachable_orchestrator() -> None:
    async with _nobody_listening("orchestrator") as upstream:
        client = OrchestratorClient(upstream)
        with pytest.raises(UpstreamUnavailable, match="orchestrator"):
            await client.describe_execution("order-fulfillment:abc")
        assert (await client.health()).startswith("unavailable")


async def test_orchestrator_answering_5xx_is_unavailable() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=503, text="starting")

    async with _upstream(handler) as upstream:
        client = OrchestratorClient(upstream)
        with pytest.raises(UpstreamUnavailable, match="orchestrator"):
            await client.describe_execution("order-fulfillment:abc")
        assert await client.health() == "unavailable: HTTP 503"


async def test_malformed_orchestrator_answer_is_upstream_error() -> None:
    async def handler(request: web.Request) -> web.Response:
        return _json(200, {"unexpected": True})

    async with _upstream(handler) as upstream:
        with pytest.raises(UpstreamError):
            await OrchestratorClient(upstream).describe_execution("order-fulfillment:abc")


async def test_a_body_that_is_not_json_is_upstream_error() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=200, text="<html>proxy error</html>")

    async with _upstream(handler) as upstream:
        with pytest.raises(UpstreamError, match="not JSON"):
            await OrchestratorClient(upstream).describe_execution("order-fulfillment:abc")


async def test_catalog_client() -> None:
    tee = {"sku": "TEE/1", "name": "T", "price_cents": 100, "currency": "EUR", "available": 2}
    paths: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        paths.append(request.raw_path)
        if request.raw_path == "/items":
            return _json(200, [tee])
        if request.raw_path == "/items/TEE%2F1":
            return _json(200, tee)
        if request.path == "/healthz":
            return _json(200, {"status": "ok"})
        return _json(404, {"title": "not found"})

    async with _upstream(handler, "inventory") as upstream:
        catalog = CatalogClient(upstream)
        assert [i.sku for i in await catalog.list_items()] == ["TEE/1"]
        found = await catalog.get_item("TEE/1")
        assert found is not None and found.price_cents == 100
        assert await catalog.get_item("NOPE") is None
        assert await catalog.health() == "ok"
    assert paths[:3] == ["/items", "/items/TEE%2F1", "/items/NOPE"]


async def test_unreachable_catalog() -> None:
    async with _nobody_listening("inventory") as upstream:
        with pytest.raises(UpstreamUnavailable, match="inventory"):
            await CatalogClient(upstream).get_item("TEE")
