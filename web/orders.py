"""The order use cases: place, read, list. Calls the orchestrator and the catalog, nothing else."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from servicekit.money import format_money
from web.catalog import Catalog
from web.errors import IdempotencyConflict, OrderNotFound
from web.execution_of_history import execution_of_history
from web.orchestrator import Execution, ExecutionAlreadyExists, Orchestrator
from web.order_view import order_summary, order_view
from web.pricing import (
    STATE_MACHINE,
    execution_id,
    execution_input,
    order_id_for_key,
    price_order,
    request_fingerprint,
)
from web.schemas import OrderPage, OrderRequest, OrderView

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_order_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class PlacedOrder:
    order_id: str
    # True when an earlier request with the same Idempotency-Key already placed it.
    replayed: bool


class OrderService:
    def __init__(
        self,
        orchestrator: Orchestrator,
        catalog: Catalog,
        *,
        clock: Callable[[], datetime] = _utc_now,
        new_order_id: Callable[[], str] = _new_order_id,
    ) -> None:
        self._orchestrator = orchestrator
        self._catalog = catalog
        self._clock = clock
        self._new_order_id = new_order_id

    async def place(self, order: OrderRequest, idempotency_key: str | None) -> PlacedOrder:
        """Price the order from the catalog and start its execution, named after the order id.

        With an Idempotency-Key the order id is derived from the key, so a retried request finds
        the order the first one placed; the same request replays it, another one conflicts."""
        fingerprint = request_fingerprint(order)
        if idempotency_key is None:
            order_id = self._new_order_id()
        else:
            order_id = order_id_for_key(idempotency_key)
            existing = await self._orchestrator.describe_execution(execution_id(order_id))
            if existing is not None:
                return _replay(existing, order_id, fingerprint)

        found = await asyncio.gather(*(self._catalog.get_item(line.sku) for line in order.items))
        priced = price_order(order, {item.sku: item for item in found if item is not None})
        start_input = execution_input(order_id, order, priced, self._clock(), fingerprint)
        try:
            await self._orchestrator.start_execution(STATE_MACHINE, order_id, start_input)
        except ExecutionAlreadyExists:
            # A concurrent request with the same key started it first (its created_at differs).
            existing = await self._orchestrator.describe_execution(execution_id(order_id))
            if existing is None:
                raise IdempotencyConflict(f"order {order_id} already exists") from None
            return _replay(existing, order_id, fingerprint)
        log.info(
            "order placed: %s",
            format_money(priced.total_cents, priced.currency),
            extra={"order_id": order_id, "execution_id": execution_id(order_id), "event": "placed"},
        )
        return PlacedOrder(order_id, replayed=False)

    async def get(self, order_id: str, wait_seconds: float = 0) -> OrderView:
        """The order; with `wait_seconds`, once it is no longer PROCESSING or that long has
        passed, whichever comes first (the orchestrator holds the call: no polling here)."""
        the_id = execution_id(order_id)
        events = await self._orchestrator.get_history(the_id, wait_seconds) or []
        execution = execution_of_history(the_id, events)
        if execution is None:
            raise OrderNotFound(order_id)
        return order_view(execution, events)

    async def page(self, limit: int, cursor: str | None) -> OrderPage:
        page = await self._orchestrator.list_executions(STATE_MACHINE, limit, cursor)
        return OrderPage(
            orders=[order_summary(execution) for execution in page.executions],
            next_cursor=page.next_cursor,
        )


def _replay(existing: Execution, order_id: str, fingerprint: str) -> PlacedOrder:
    earlier = (
        existing.input.get("request_fingerprint") if isinstance(existing.input, dict) else None
    )
    if earlier != fingerprint:
        raise IdempotencyConflict(
            f"the Idempotency-Key was already used for order {order_id} with a different request"
        )
    return PlacedOrder(order_id, replayed=True)
