"""What every service's HTTP app has: /healthz, /metrics and problem+json errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.auth import (
    PUBLIC_OPERATIONS,
    ApiTokenAuth,
    Public,
    Sessions,
    mark_openapi,
    require_token,
)
from servicekit.body_guard import JsonBodyGuard
from servicekit.docs import install_offline_docs
from servicekit.metrics import RequestMetrics
from servicekit.not_ready import NotReadyGate
from servicekit.problems import PROBLEM_RESPONSES, install_problem_handlers
from servicekit.startup import Startup
from servicekit.storable import reject_unstorable_parameters

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

ops_router = APIRouter(tags=["operations"])


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session on the app's database for one request (from `app.state.resources`)."""
    async with request.app.state.resources.sessions() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(db_session)]


async def db_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the app's asyncpg pool (servicekit.pg) for one request's writes."""
    async with request.app.state.resources.pool.acquire() as connection:
        yield connection


DbConnection = Annotated[asyncpg.Connection, Depends(db_connection)]


_HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}},
    "additionalProperties": True,
}


@ops_router.get(
    "/healthz",
    summary="200 once every dependency of the service answers; 503 names the one that does not",
    responses={
        200: {"content": {"application/json": {"schema": _HEALTH_SCHEMA}}},
        503: {
            "description": "starting, or a dependency is unavailable",
            "content": {"application/json": {"schema": _HEALTH_SCHEMA}},
        },
    },
)
async def healthz(request: Request) -> JSONResponse:
    startup: Startup | None = getattr(request.app.state, "startup", None)
    if startup is not None and not startup.ready:
        return JSONResponse(startup.status(), status_code=503)
    resources = getattr(request.app.state, "resources", None)
    if resources is None:
        return JSONResponse({"status": "starting"}, status_code=503)
    checks = await resources.health()
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", **checks},
        status_code=200 if healthy else 503,
    )


# Gauges read on scrape (rows in a table, say): `app.state.metric_refreshers`, awaited first.
MetricRefresher = Callable[[], Awaitable[None]]


@ops_router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    for refresh in getattr(request.app.state, "metric_refreshers", ()):
        await refresh()
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def create_service_app(
    title: str,
    lifespan: Lifespan,
    *,
    api_token: str | None,
    max_body_bytes: int,
    public: Sequence[Public] = (),
    sessions: Sessions | None = None,
    own_format_paths: Iterable[str] = (),
    **kwargs: Any,
) -> FastAPI:
    """A service's app. Every route needs `api_token` (servicekit.auth) but /healthz, /metrics,
    the OpenAPI pages and the routes in `public`; without a token the service does not start.
    Request bodies are JSON of at most `max_body_bytes` (on `own_format_paths`, whatever their
    handler reads), and no body or parameter holds text a store cannot keep
    (servicekit.body_guard, .storable)."""
    token = require_token(api_token)  # here, not when the first request builds the middleware
    app = FastAPI(
        title=title,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        responses=PROBLEM_RESPONSES,
        dependencies=[Depends(reject_unstorable_parameters)],
        **kwargs,
    )
    everyone = (*PUBLIC_OPERATIONS, *public)
    app.add_middleware(RequestMetrics)
    app.add_middleware(ApiTokenAuth, token=token, public=everyone, sessions=sessions)
    install_offline_docs(app)
    install_problem_handlers(app)
    app.add_middleware(NotReadyGate)
    app.add_middleware(JsonBodyGuard, max_bytes=max_body_bytes, own_format_paths=own_format_paths)
    app.include_router(ops_router)
    _mark_openapi_security(app, everyone)
    return app


def _mark_openapi_security(app: FastAPI, public: Sequence[Public]) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = mark_openapi(build(), public)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
