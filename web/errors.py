"""Web's errors. Each is mapped to an HTTP problem in one place, `web.app`."""

from __future__ import annotations

from typing import Any


class WebError(Exception):
    """Base of every error web raises on purpose."""

    title = "Error"


class InvalidOrder(WebError):
    """The order is well formed but cannot be placed as is (an unknown sku, mixed currencies)."""

    title = "Invalid order"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))


class OrderNotFound(WebError):
    title = "Order not found"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"no order {order_id}")


class IdempotencyConflict(WebError):
    """The Idempotency-Key (or the order id) was already used for a different request."""

    title = "Idempotency key reused"


class InvalidCursor(WebError):
    title = "Invalid cursor"


class UpstreamUnavailable(WebError):
    """The orchestrator or inventory could not be reached, timed out or answered 5xx."""

    title = "Service unavailable"

    def __init__(self, upstream: str, reason: str) -> None:
        self.upstream = upstream
        super().__init__(f"{upstream} is unavailable: {reason}")


class UpstreamError(WebError):
    """The orchestrator or inventory answered something web does not understand."""

    title = "Bad gateway"

    def __init__(self, upstream: str, reason: str) -> None:
        self.upstream = upstream
        super().__init__(f"{upstream} answered unexpectedly: {reason}")
