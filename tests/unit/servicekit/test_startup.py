"""Starting without dependencies: backoff, retries, /healthz and the 503 gate, with no I/O."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from fastapi import FastAPI

from servicekit import startup as startup_module
from servicekit.http import create_service_app
from servicekit.startup import Startup, StartupFailed, backoff_delays, connecting_in_background
from tests.api_token import API_TOKEN, AUTH_HEADERS


def test_backoff_doubles_to_its_cap_with_jitter_in_the_upper_half() -> None:
    delays = backoff_delays(first=1.0, cap=8.0, rng=random.Random(7))
    taken = [next(delays) for _ in range(8)]
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(c / 2 <= d <= c for d, c in zip(taken, ceilings, strict=True))
    assert len(set(taken)) == len(taken)  # jittered, not a fixed sequence


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup_module, "BACKOFF_FIRST_SECONDS", 0.001)


async def test_attempt_retries_any_error_while_connecting() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ValueError("password authentication failed")
        return "connected"

    startup = Startup("svc")
    assert await startup.attempt("database", flaky) == "connected"
    assert calls == 3


async def test_wiring_stops_at_an_error_retrying_cannot_cure() -> None:
    async def broken() -> None:
        raise ValueError("invalid workflow")

    with pytest.raises(StartupFailed, match="invalid workflow"):
        await Startup("svc").attempt("database", broken, retry_any_error=False)


def _app_waiting_for(gate: asyncio.Event) -> FastAPI:
    @contextlib.asynccontextmanager
    async def connect(startup: Startup) -> AsyncIterator[None]:
        async def database() -> None:
            if not gate.is_set():
                raise ConnectionRefusedError("Connect call failed")

        await startup.attempt("database", database)
        yield

    def lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
        return connecting_in_background(app, "svc", connect)

    app = create_service_app("svc", lifespan, api_token=API_TOKEN, max_body_bytes=1024)

    @app.get("/things")
    async def things() -> list[str]:
        return []

    return app


async def test_healthz_names_what_it_waits_for_and_requests_get_503_until_ready() -> None:
    gate = asyncio.Event()
    app = _app_waiting_for(gate)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://svc", headers=AUTH_HEADERS
        ) as client:
            await asyncio.sleep(0.05)
            health = await client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["waiting_for"] == "database"
            assert "ConnectionRefusedError" in health.json()["database"]
            refused = await client.get("/things")
            assert refused.status_code == 503
            assert refused.headers["retry-after"]
            assert refused.headers["content-type"] == "application/problem+json"

            gate.set()
            await app.state.startup.wait(timeout=5)
            assert (await client.get("/things")).status_code == 200
