"""Who may call a service: whoever holds the API token (`Authorization: Bearer <API_TOKEN>`),
or a browser signed in to the console (a session cookie; see orchestrator.console.sessions).

Closed by default: the middleware runs before routing and refuses every request that is not on
the service's list of public routes, so a new endpoint is protected without anyone remembering
to protect it. The OpenAPI document is marked from the same list (servicekit.auth.mark_openapi).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse, Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.problems import problem_response

MIN_TOKEN_LENGTH = 32
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_SCHEME = "apiToken"
# .env.example's stand-in: anyone who has read the repository knows it.
PLACEHOLDER = "change-me"

HOW_TO_MAKE_A_TOKEN = (
    "make one with `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'` and set "
    "API_TOKEN to it in the environment or in .env (`make dev` writes one into .env; every "
    "service of one deployment uses the same token)"
)


class MissingApiToken(SystemExit):
    """A service without a usable API_TOKEN does not start: exits with this message."""


def require_token(token: str | None) -> str:
    if not token:
        raise MissingApiToken(f"API_TOKEN is not set: {HOW_TO_MAKE_A_TOKEN}")
    if token.startswith(PLACEHOLDER):
        raise MissingApiToken(
            f"API_TOKEN is still .env.example's placeholder: {HOW_TO_MAKE_A_TOKEN}"
        )
    if len(token) < MIN_TOKEN_LENGTH:
        raise MissingApiToken(
            f"API_TOKEN has {len(token)} characters; it needs at least {MIN_TOKEN_LENGTH}: "
            + HOW_TO_MAKE_A_TOKEN
        )
    return token


@dataclass(frozen=True)
class Public:
    """A route anyone may call: a method and a Starlette path template ("/orders/{order_id}",
    "/shop/assets/{rest:path}"). HEAD goes with GET."""

    method: str
    path: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern, _, _ = compile_path(self.path)
        object.__setattr__(self, "_pattern", pattern)

    def matches(self, method: str, path: str) -> bool:
        wanted = "GET" if method == "HEAD" else method
        return wanted == self.method and self._pattern.match(path) is not None


# Every service: its health, its metrics and its OpenAPI pages.
PUBLIC_OPERATIONS = (
    Public("GET", "/healthz"),
    Public("GET", "/metrics"),
    Public("GET", "/docs"),
    Public("GET", "/openapi.json"),
    Public("GET", "/_assets/swagger-ui/{asset:path}"),
)


class Sessions(Protocol):
    """A browser's signed-in session (the console's cookie), checked by the middleware."""

    def signed_in(self, headers: Headers) -> bool: ...

    def same_site_request(self, headers: Headers) -> bool:
        """False for a state-changing request another site could have made the browser send."""
        ...

    def sign_in_redirect(self, scope: Scope) -> str | None:
        """Where to send a browser that asked for a page without a session; None: answer 401."""
        ...


def bearer_token(headers: Headers) -> str | None:
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()


def tokens_equal(given: str, expected: str) -> bool:
    # Constant time: how far a guess matches must not show in how long the answer takes.
    return hmac.compare_digest(given.encode(), expected.encode())


class ApiTokenAuth:
    """Plain ASGI middleware: public routes pass; the rest need the token or a session."""

    def __init__(
        self,
        app: ASGIApp,
        token: str,
        public: Sequence[Public],
        sessions: Sessions | None = None,
    ) -> None:
        self.app = app
        self.token = token  # checked by servicekit.http.create_service_app (require_token)
        self.public = tuple(public)
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_public(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = bearer_token(headers)
        if given is not None:
            if tokens_equal(given, self.token):
                await self.app(scope, receive, send)
                return
            await _unauthorized("the API token is wrong", 'Bearer error="invalid_token"')(
                scope, receive, send
            )
            return
        if self.sessions is not None and self.sessions.signed_in(headers):
            if scope["method"] in SAFE_METHODS or self.sessions.same_site_request(headers):
                await self.app(scope, receive, send)
                return
            detail = "a signed-in browser's change must come from the console's own pages"
            await problem_response(403, "Forbidden", detail)(scope, receive, send)
            return
        redirect = self.sessions.sign_in_redirect(scope) if self.sessions else None
        if redirect is not None:
            await _see_other(redirect)(scope, receive, send)
            return
        detail = "send the API token as `Authorization: Bearer <API_TOKEN>`"
        await _unauthorized(detail, "Bearer")(scope, receive, send)

    def _is_public(self, scope: Scope) -> bool:
        method, path = scope["method"], scope["path"]
        return any(route.matches(method, path) for route in self.public)


def _unauthorized(detail: str, challenge: str) -> Response:
    response = problem_response(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = challenge
    return response


def _see_other(location: str) -> Response:
    return RedirectResponse(location, status_code=303)


UNAUTHORIZED_RESPONSE = {
    "description": "No API token, or a wrong one (`WWW-Authenticate: Bearer`)",
    "content": {
        "application/problem+json": {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                },
                "required": ["title", "status", "detail"],
            }
        }
    },
}


def mark_openapi(schema: dict[str, Any], public: Sequence[Public]) -> dict[str, Any]:
    """Declare the bearer scheme, and on every operation that is not public require it and
    document its 401 (Swagger UI then offers "Authorize")."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "API_TOKEN, the deployment's shared secret",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # A template's example path: "/orders/{order_id}" matches its own pattern.
            if any(route.matches(method.upper(), path) for route in public):
                continue
            operation["security"] = [{SECURITY_SCHEME: []}]
            operation["responses"].setdefault("401", UNAUTHORIZED_RESPONSE)
    return schema
