"""Metrics every service shares: HTTP request durations, the time a command waited in its
queue, how long handling a message took, and messages in hand. Labels are routes, queues and
statuses, never ids, so that no label set grows with traffic."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A header with the publish time in whole microseconds since the epoch: the AMQP `timestamp`
# property (also set) has whole-second resolution, too coarse for a wait of milliseconds. An
# integer, because the field-table encoding (pamqp) sends a Python float as a 32-bit one, good
# to about 128 s at today's epoch seconds: the waits this header gave as a float were noise.
PUBLISHED_AT = "published-at-us"

_FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "HTTP requests served, by method, route template and status",
    ["method", "route", "status"],
    buckets=_FAST,
)
QUEUE_WAIT = Histogram(
    "amqp_queue_wait_seconds",
    "From a message's publish to its delivery to a consumer, by queue",
    ["queue"],
    buckets=_FAST,
)
HANDLE_DURATION = Histogram(
    "amqp_handle_duration_seconds",
    "Handling one message (for a service's command queue: the task's work), by queue",
    ["queue"],
    buckets=_FAST,
)
IN_FLIGHT = Gauge(
    "amqp_messages_in_flight", "Messages being handled (of the prefetch window)", ["queue"]
)


class BoundedLabel:
    """Label values from outside (error names a worker sends): the first `limit` distinct ones
    as they are, any later one as "other", so that a series count stays bounded."""

    def __init__(self, limit: int = 50, max_length: int = 64) -> None:
        self._limit = limit
        self._max_length = max_length
        self._seen: set[str] = set()

    def __call__(self, value: str | None) -> str:
        if value is None:
            return "none"
        if value in self._seen:
            return value
        if len(self._seen) >= self._limit or len(value) > self._max_length:
            return "other"
        self._seen.add(value)
        return value


MessageHandler = Callable[[AbstractIncomingMessage], Awaitable[None]]


def publish_headers(headers: dict[str, Any] | None) -> dict[str, Any]:
    """`headers` with the publish time added."""
    return {**(headers or {}), PUBLISHED_AT: time.time_ns() // 1000}


def waited(message: AbstractIncomingMessage, now: float) -> float | None:
    """Seconds since `message` was published, from its header or else its timestamp."""
    published = (message.headers or {}).get(PUBLISHED_AT)
    if isinstance(published, int) and not isinstance(published, bool):
        return max(now - published / 1e6, 0.0)
    if isinstance(message.timestamp, datetime):
        return max(now - message.timestamp.timestamp(), 0.0)
    return None


def measured(queue: str, handler: MessageHandler) -> MessageHandler:
    """`handler`, observing each message's queue wait, handling time and the messages in hand."""
    wait = QUEUE_WAIT.labels(queue)
    duration = HANDLE_DURATION.labels(queue)
    in_flight = IN_FLIGHT.labels(queue)

    async def handle(message: AbstractIncomingMessage) -> None:
        seconds = waited(message, time.time())
        if seconds is not None:
            wait.observe(seconds)
        in_flight.inc()
        started = time.perf_counter()
        try:
            await handler(message)
        finally:
            duration.observe(time.perf_counter() - started)
            in_flight.dec()

    return handle


class RequestMetrics:
    """ASGI middleware: the duration of each HTTP request by its route template (not the raw
    path, which holds ids), method and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            HTTP_DURATION.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started
            )
