"""Web's FastAPI app: the shop's routes, /healthz and /metrics, errors as problem+json."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import Response

from servicekit.auth import Public
from servicekit.http import create_service_app
from servicekit.problems import problem_response
from web.catalog import Catalog, CatalogClient
from web.catalog_cache import CachedCatalog
from web.errors import (
    IdempotencyConflict,
    InvalidCursor,
    InvalidOrder,
    OrderNotFound,
    UpstreamError,
    UpstreamUnavailable,
    WebError,
)
from web.orchestrator import Orchestrator, OrchestratorClient
from web.pages import install_shop_pages
from web.routes import router
from web.settings import WebSettings
from web.upstream import Upstream

DESCRIPTION = """The shop's public API. Products come from inventory's catalog; an order is an
execution of the `order-fulfillment` workflow (charge, hold the items, ship; undo on failure).
Every error is `application/problem+json` (RFC 9457)."""

# The shop is open to everyone: its catalogue, placing an order, and one order (its id is the
# capability to see it), with the pages. The list of all orders is not.
PUBLIC_ROUTES = (
    Public("GET", "/products"),
    Public("POST", "/orders"),
    Public("GET", "/orders/{order_id}"),
    Public("GET", "/"),
    Public("GET", "/shop"),
    Public("GET", "/shop/orders/{order_id}"),
    Public("GET", "/shop/assets/{asset:path}"),
)

_STATUS: dict[type[WebError], int] = {
    InvalidCursor: 400,
    OrderNotFound: 404,
    IdempotencyConflict: 409,
    InvalidOrder: 422,
    UpstreamError: 502,
    UpstreamUnavailable: 503,
}


class Upstreams:
    """What /healthz checks (servicekit's ops router calls `app.state.resources.health()`)."""

    def __init__(self, orchestrator: Orchestrator, catalog: Catalog) -> None:
        self.orchestrator = orchestrator
        self.catalog = catalog

    async def health(self) -> dict[str, str]:
        orchestrator, inventory = await asyncio.gather(
            self.orchestrator.health(), self.catalog.health()
        )
        return {"orchestrator": orchestrator, "inventory": inventory}


async def _on_web_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    status = next(code for kind, code in _STATUS.items() if isinstance(exc, kind))
    errors = exc.errors if isinstance(exc, InvalidOrder) else None
    response = problem_response(status, exc.title, str(exc), errors)
    if status == 503:
        response.headers["Retry-After"] = "1"
    return response


def create_app(
    settings: WebSettings | None = None,
    orchestrator: Orchestrator | None = None,
    catalog: Catalog | None = None,
) -> FastAPI:
    """The app. Real HTTP clients are opened in the lifespan unless `orchestrator` and
    `catalog` are given (tests pass fakes)."""
    config = settings or WebSettings()
    token = config.api_token_value()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            timeout = config.upstream_timeout_seconds
            if orchestrator is None:
                upstream = Upstream("orchestrator", config.orchestrator_url, timeout, token)
                app.state.orchestrator = OrchestratorClient(
                    await stack.enter_async_context(upstream)
                )
            if catalog is None:
                upstream = Upstream("inventory", config.inventory_url, timeout, token)
                inventory = CatalogClient(await stack.enter_async_context(upstream))
                app.state.catalog = CachedCatalog(inventory, config.catalog_cache_seconds)
            app.state.resources = Upstreams(app.state.orchestrator, app.state.catalog)
            yield

    app = create_service_app(
        "stepwise shop",
        lifespan,
        api_token=token,
        public=PUBLIC_ROUTES,
        max_body_bytes=config.max_body_bytes,
        version="0.1.0",
        description=DESCRIPTION,
    )
    app.add_exception_handler(WebError, _on_web_error)
    app.include_router(router)
    install_shop_pages(app, config.console_url)
    if orchestrator is not None:
        app.state.orchestrator = orchestrator
    if catalog is not None:
        app.state.catalog = catalog
    if orchestrator is not None and catalog is not None:
        app.state.resources = Upstreams(orchestrator, catalog)
    return app
