"""One upstream service (the orchestrator, inventory) over a pool of keep-alive connections.

aiohttp rather than httpx: at the concurrency the shop runs at, httpx spent about 2 ms of CPU per
request (its pool scans every connection, with a syscall each, on every request) against aiohttp's
0.2 ms, and web makes several upstream calls per order on the same cores as every other service.
Transport faults and 5xx answers become web's own errors here, once for both clients."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from pydantic import ValidationError

from web.errors import UpstreamError, UpstreamUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

HEALTH_TIMEOUT_SECONDS = 2.0
# Below uvicorn's keep-alive (75 s, servicekit.serve), so web never reuses a connection the
# server is closing at that moment.
KEEPALIVE_SECONDS = 15.0
# Connections to one upstream at once (aiohttp's default), for calls and for long-polls apart:
# clients waiting for their orders (`GET /orders/{id}?wait=`) hold theirs until the order ends,
# and must never take the connections that new orders need.
CONNECTIONS = 100
LONG_POLL_CONNECTIONS = 1000


@dataclass(frozen=True)
class UpstreamResponse:
    """A whole response, read: status and body (the answers here are small JSON documents)."""

    method: str
    url: str
    status_code: int
    body: bytes


class Upstream:
    """A service's base URL and the connections to it. Open with `async with`."""

    def __init__(
        self,
        name: str,
        base_url: str,
        timeout_seconds: float,
        api_token: str | None = None,
        *,
        connections: int = CONNECTIONS,
        long_poll_connections: int = LONG_POLL_CONNECTIONS,
    ) -> None:
        self.name = name
        # Sent on every call but the health probe: the services' APIs need it (servicekit.auth).
        self._headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._connections = connections
        self._long_poll_connections = long_poll_connections
        self._session: aiohttp.ClientSession | None = None
        self._long_polls: aiohttp.ClientSession | None = None

    def _new_session(self, limit: int) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=limit, keepalive_timeout=KEEPALIVE_SECONDS)
        return aiohttp.ClientSession(
            connector=connector, timeout=self._timeout, headers=self._headers
        )

    async def __aenter__(self) -> Upstream:
        self._session = self._new_session(self._connections)
        self._long_polls = self._new_session(self._long_poll_connections)
        return self

    async def __aexit__(self, *_: object) -> None:
        for session in (self._session, self._long_polls):
            if session is not None:
                await session.close()
        self._session = self._long_polls = None

    @property
    def session(self) -> aiohttp.ClientSession:
        return self._session_for(0)

    def _session_for(self, waits_seconds: float) -> aiohttp.ClientSession:
        """The long-polls' session for a call held on purpose, the calls' one otherwise."""
        session = self._long_polls if waits_seconds else self._session
        if session is None:
            raise RuntimeError(f"the {self.name} client is not open (use `async with`)")
        return session

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str | int | float] | None = None,
        waits_seconds: float = 0,
    ) -> UpstreamResponse:
        """Send one request. Unreachable, timed out or 5xx -> `UpstreamUnavailable`.
        `waits_seconds`: how long the upstream may hold it on purpose (a long-poll), on top of
        the usual timeout."""
        url = self._base_url + path
        timeout = self._timeout
        if waits_seconds:
            timeout = aiohttp.ClientTimeout(total=(timeout.total or 0) + waits_seconds)
        try:
            async with self._session_for(waits_seconds).request(
                method, url, json=json_body, params=params, timeout=timeout
            ) as answer:
                body = await answer.read()
                status = answer.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("%s %s %s failed: %r", self.name, method, url, exc)
            raise UpstreamUnavailable(self.name, type(exc).__name__) from exc
        if status >= 500:
            log.warning("%s %s %s answered %s", self.name, method, url, status)
            raise UpstreamUnavailable(self.name, f"HTTP {status}")
        return UpstreamResponse(method, url, status, body)

    async def health(self) -> str:
        """'ok' when the service's /healthz answers 200, otherwise the reason."""
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT_SECONDS)
        try:
            async with self.session.get(self._base_url + "/healthz", timeout=timeout) as answer:
                status = answer.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            return f"unavailable: {type(exc).__name__}"
        return "ok" if status == 200 else f"unavailable: HTTP {status}"

    def unexpected(self, response: UpstreamResponse) -> UpstreamError:
        return UpstreamError(
            self.name, f"HTTP {response.status_code} to {response.method} {response.url}"
        )

    def parse(
        self, response: UpstreamResponse, validate_json: Callable[[bytes], T], what: str
    ) -> T:
        """The body read by `validate_json` (a model's `model_validate_json`, an adapter's
        `validate_json`) straight from its bytes: pydantic parses the JSON itself, with no
        dicts built first only to be read again. Not JSON, or not of the shape `what` names:
        UpstreamError."""
        try:
            return validate_json(response.body)
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors()):
                raise UpstreamError(self.name, "a body that is not JSON") from exc
            raise UpstreamError(self.name, f"{what} of the wrong shape: {exc}") from exc
