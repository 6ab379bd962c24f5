"""What both HTTP clients share: one request with transport faults turned into web's errors."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from web.errors import UpstreamError, UpstreamUnavailable

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2.0


async def request(
    http: httpx.AsyncClient, upstream: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """Send one request. Unreachable, timed out or 5xx -> `UpstreamUnavailable`."""
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        log.warning("%s %s %s failed: %r", upstream, method, url, exc)
        raise UpstreamUnavailable(upstream, type(exc).__name__) from exc
    if response.status_code >= 500:
        log.warning("%s %s %s answered %s", upstream, method, url, response.status_code)
        raise UpstreamUnavailable(upstream, f"HTTP {response.status_code}")
    return response


def unexpected(upstream: str, response: httpx.Response) -> UpstreamError:
    return UpstreamError(
        upstream, f"HTTP {response.status_code} to {response.request.method} {response.request.url}"
    )


def json_body(upstream: str, response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamError(upstream, "a body that is not JSON") from exc


async def health(http: httpx.AsyncClient) -> str:
    """'ok' when the service's /healthz answers 200, otherwise the reason."""
    try:
        response = await http.get("/healthz", timeout=HEALTH_TIMEOUT_SECONDS)
    except httpx.TransportError as exc:
        return f"unavailable: {type(exc).__name__}"
    return "ok" if response.status_code == 200 else f"unavailable: HTTP {response.status_code}"
