"""Inventory rules, free of I/O: an order's lines, and a hold's life cycle.

One hold per order, all of its lines or none. Its status moves only along these arrows:

    (none) --hold--> HELD --release--> RELEASED   (stock returned, once)
    (none) --release--> RELEASED                  (a tombstone: a release that overtook its hold)
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar


class HoldStatus(StrEnum):
    HELD = "HELD"
    RELEASED = "RELEASED"


class InventoryError(Exception):
    """A command inventory will not carry out. `error` is the ASL error name a Catch matches."""

    error: ClassVar[str] = "InventoryError"

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class InvalidItems(InventoryError):
    error = "InvalidCommand"


class UnknownSku(InventoryError):
    error = "UnknownSku"


class OutOfStock(InventoryError):
    error = "OutOfStock"


class HoldReleased(InventoryError):
    """The order's hold was released already: holding now would keep stock no one will ship."""

    error = "HoldReleased"


@dataclass(frozen=True, order=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Hold:
    hold_id: str
    order_id: str
    status: HoldStatus
    lines: tuple[Line, ...] = ()


def order_lines(items: Iterable[tuple[str, int]]) -> list[Line]:
    """An order's (sku, quantity) pairs as lines: one per sku, sorted by sku.

    Sorted because every hold then locks stock rows in the same order, and transactions that
    lock in one global order cannot deadlock each other.
    """
    totals: Counter[str] = Counter()
    for sku, quantity in items:
        if quantity < 1:
            raise InvalidItems(f"quantity of {sku} must be at least 1, got {quantity}")
        totals[sku] += quantity
    if not totals:
        raise InvalidItems("an order holds at least one item")
    return [Line(sku, totals[sku]) for sku in sorted(totals)]


def check_known(lines: Sequence[Line], catalog: Collection[str]) -> None:
    """Raise `UnknownSku` naming every line whose sku the catalog does not have."""
    unknown = [line.sku for line in lines if line.sku not in catalog]
    if unknown:
        raise UnknownSku(f"not in the catalog: {', '.join(unknown)}")


def out_of_stock(short: Sequence[Line], available: Mapping[str, int]) -> OutOfStock:
    """The refusal for a hold some lines of which the stock could not cover."""
    detail = ", ".join(
        f"{line.sku} (wanted {line.quantity}, {available.get(line.sku, 0)} available)"
        for line in short
    )
    return OutOfStock(f"not enough stock: {detail}")


def hold_result(hold: Hold) -> dict[str, Any]:
    """What a HoldItems for this order answers, however often it is asked.

    Raises `HoldReleased` if the order's hold was released (or a release came first).
    """
    if hold.status is HoldStatus.RELEASED:
        raise HoldReleased(f"the hold of order {hold.order_id} was released; nothing is held")
    return {
        "hold_id": hold.hold_id,
        "items": [{"sku": line.sku, "quantity": line.quantity} for line in hold.lines],
    }


def tombstone(hold_id: str, order_id: str) -> Hold:
    """A release found no hold: a RELEASED hold without lines makes a later hold fail."""
    return Hold(hold_id, order_id, HoldStatus.RELEASED)


def release(hold: Hold) -> tuple[Hold, list[Line]]:
    """Release a hold: the released hold and the lines to put back on the shelf (once only)."""
    if hold.status is HoldStatus.RELEASED:
        return hold, []
    return dataclasses.replace(hold, status=HoldStatus.RELEASED), list(hold.lines)


def release_result(hold: Hold, returned: Sequence[Line]) -> dict[str, Any]:
    """ReleaseHold's output; `released` says whether this command put stock back."""
    return {"order_id": hold.order_id, "status": hold.status.value, "released": bool(returned)}
