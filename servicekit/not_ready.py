"""503 for every request that needs a dependency while the service is still connecting.

Routes read what the lifespan wires (`app.state.orchestrator`, the database pools); before that
exists they would fail with a 500. /healthz, /metrics and the docs need nothing and stay served.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.problems import problem_response
from servicekit.startup import Startup

ALWAYS_SERVED = ("/healthz", "/metrics", "/docs", "/openapi.json", "/_assets/")
RETRY_AFTER_SECONDS = 2


class NotReadyGate:
    """Plain ASGI (no BaseHTTPMiddleware): once ready it costs one attribute lookup a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            startup: Startup | None = getattr(scope["app"].state, "startup", None)
            if (
                startup is not None
                and not startup.ready
                and not scope["path"].startswith(ALWAYS_SERVED)
            ):
                response = problem_response(
                    503,
                    "ServiceUnavailable",
                    f"{startup.service} is starting: waiting for {startup.waiting_for}",
                )
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
