"""The orders a chaos run places: every outcome of the saga, in a seeded random mix."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from tests.e2e.orders import order_request

# Above any stock level a run reaches (seeded stock is at most 100, restocks add a few dozen),
# and within the API's 1..1000: such an order always ends OutOfStock.
TOO_MANY = 1000


@dataclass(frozen=True)
class Kind:
    name: str
    weight: float
    # (status, error) pairs the order may end with; error None for COMPLETED.
    outcomes: frozenset[tuple[str, str | None]]


OUT_OF_STOCK = ("FAILED", "OutOfStock")
KINDS = (
    # A happy order fails OutOfStock once its product has sold out: still a correct outcome.
    Kind("happy", 0.55, frozenset({("COMPLETED", None), OUT_OF_STOCK})),
    Kind("declined", 0.15, frozenset({("FAILED", "PaymentDeclined")})),
    Kind("out_of_stock", 0.15, frozenset({OUT_OF_STOCK})),
    # Items are held before the address is checked: a sold-out product fails first.
    Kind("address_rejected", 0.15, frozenset({("FAILED", "AddressRejected"), OUT_OF_STOCK})),
)


@dataclass(frozen=True)
class PlannedOrder:
    kind: Kind
    body: dict[str, Any]
    # Retried requests carry the same key, so a retry never places a second order.
    idempotency_key: str


def plan_orders(count: int, skus: list[str], rng: random.Random) -> list[PlannedOrder]:
    kinds = rng.choices(KINDS, weights=[kind.weight for kind in KINDS], k=count)
    return [_planned(kind, skus, rng) for kind in kinds]


def _planned(kind: Kind, skus: list[str], rng: random.Random) -> PlannedOrder:
    # One to three lines: orders that share products contend for the same stock rows.
    chosen = rng.sample(skus, rng.choices((1, 2, 3), weights=(6, 3, 1))[0])
    lines: list[dict[str, Any]] = [{"sku": sku, "quantity": rng.randint(1, 2)} for sku in chosen]
    if kind.name == "declined":
        body = order_request(chosen[0], token="tok_chargeDeclined")
    elif kind.name == "address_rejected":
        body = order_request(chosen[0], country="BR")
    else:
        body = order_request(chosen[0])
    body["items"] = lines
    if kind.name == "out_of_stock":
        lines[-1]["quantity"] = TOO_MANY
    return PlannedOrder(kind, body, f"chaos-{uuid.UUID(int=rng.getrandbits(128)).hex}")
