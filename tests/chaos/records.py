"""Reading the running system over HTTP while parts of it are down: every read is retried until
it answers, so a disruption shows as a delay, never as a wrong answer."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import httpx

from devtools.processes import Stack

RETRY_SECONDS = 120.0


async def get_json(http: httpx.AsyncClient, url: str, **params: Any) -> Any:
    """GET `url` until it answers 200 (a 5xx or a refused connection is a disruption)."""
    deadline = time.monotonic() + RETRY_SECONDS
    while True:
        try:
            response = await http.get(url, params=params)
            if response.status_code == 200:
                return response.json()
            if response.status_code < 500:
                raise AssertionError(f"GET {url} answered {response.status_code}: {response.text}")
            problem = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            problem = type(exc).__name__
        if time.monotonic() > deadline:
            raise AssertionError(f"GET {url} failed for {RETRY_SECONDS:.0f}s: {problem}")
        await asyncio.sleep(0.5)


async def execution_statuses(http: httpx.AsyncClient, stack: Stack) -> Counter[str] | None:
    """How many order executions are in each status, from whichever orchestrator answers."""
    for name in ("orchestrator", "orchestrator-2"):
        service = stack.services.get(name)
        if service is None or not service.running:
            continue
        try:
            return await _statuses(http, service.url)
        except (httpx.HTTPError, ValueError):
            continue
    return None


async def _statuses(http: httpx.AsyncClient, url: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    params: dict[str, Any] = {"stateMachineName": "order-fulfillment", "limit": 1000}
    while True:
        response = await http.get(f"{url}/executions", params=params, timeout=5)
        response.raise_for_status()
        page = response.json()
        counts.update(execution["status"] for execution in page["executions"])
        if not page.get("nextCursor"):
            return counts
        params["cursor"] = page["nextCursor"]
