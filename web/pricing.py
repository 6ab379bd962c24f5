"""Pure rules for turning an order request into the input of an order-fulfillment execution."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from web.catalog import CatalogItem
from web.errors import InvalidOrder
from web.schemas import OrderLine, OrderRequest

STATE_MACHINE = "order-fulfillment"
# Fixed forever: an Idempotency-Key names the same order id across releases.
IDEMPOTENCY_NAMESPACE = uuid.UUID("a6578f09-4612-43e7-91ea-516f1cb8a870")


def execution_id(order_id: str) -> str:
    """The orchestrator's id of the execution that runs the order."""
    return f"{STATE_MACHINE}:{order_id}"


def order_id_for_key(idempotency_key: str) -> str:
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, idempotency_key))


def request_fingerprint(order: OrderRequest) -> str:
    """sha256 of the canonical request: the validated body, keys sorted, no whitespace."""
    canonical = json.dumps(
        order.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PricedOrder:
    lines: list[OrderLine]
    currency: str
    total_cents: int


def price_order(order: OrderRequest, catalog: Mapping[str, CatalogItem]) -> PricedOrder:
    """Price every line from the catalog; every sku must be known and in one currency."""
    errors: list[dict[str, Any]] = []
    lines: list[OrderLine] = []
    currency: str | None = None
    for index, item in enumerate(order.items):
        found = catalog.get(item.sku)
        if found is None:
            errors.append({"field": f"items[{index}].sku", "message": f"unknown sku {item.sku!r}"})
            continue
        if currency is None:
            currency = found.currency
        elif found.currency != currency:
            errors.append(
                {
                    "field": f"items[{index}].sku",
                    "message": f"priced in {found.currency}, the order in {currency}; "
                    "an order is paid in one currency",
                }
            )
            continue
        lines.append(
            OrderLine(
                sku=item.sku,
                name=found.name,
                quantity=item.quantity,
                unit_price_cents=found.price_cents,
                line_total_cents=found.price_cents * item.quantity,
            )
        )
    if errors or currency is None:
        raise InvalidOrder(errors)
    return PricedOrder(lines, currency, sum(line.line_total_cents for line in lines))


def execution_input(
    order_id: str,
    order: OrderRequest,
    priced: PricedOrder,
    created_at: datetime,
    fingerprint: str,
) -> dict[str, Any]:
    """What order-fulfillment.asl.json reads: order_id, total_cents, currency, payment.token,
    items and shipping_address; the rest is kept for the order's view."""
    return {
        "order_id": order_id,
        "customer": order.customer.model_dump(mode="json"),
        "items": [line.model_dump(mode="json") for line in priced.lines],
        "currency": priced.currency,
        "total_cents": priced.total_cents,
        "payment": order.payment.model_dump(mode="json"),
        "shipping_address": order.shipping_address.model_dump(mode="json"),
        "created_at": created_at.isoformat(),
        "request_fingerprint": fingerprint,
    }
