"""inventory's rules: an order's lines, all-or-none, and the hold/release life cycle."""

from __future__ import annotations

import uuid

import pytest

from inventory_service import domain
from inventory_service.domain import Hold, HoldStatus, Line


def order_id() -> str:
    return f"order-{uuid.uuid4().hex[:8]}"


def test_lines_are_merged_per_sku_and_sorted() -> None:
    lines = domain.order_lines([("SKU-MUG", 1), ("SKU-CAP", 2), ("SKU-MUG", 3)])

    # One global lock order (by sku) is what keeps concurrent holds from deadlocking.
    assert lines == [Line("SKU-CAP", 2), Line("SKU-MUG", 4)]


@pytest.mark.parametrize("items", [[], [("SKU-MUG", 0)], [("SKU-CAP", 1), ("SKU-MUG", -2)]])
def test_an_order_without_positive_lines_is_invalid(items: list[tuple[str, int]]) -> None:
    with pytest.raises(domain.InvalidItems) as refused:
        domain.order_lines(items)

    assert refused.value.error == "InvalidCommand"


def test_unknown_skus_are_all_named() -> None:
    lines = [Line("SKU-A", 1), Line("SKU-B", 1), Line("SKU-C", 1)]

    with pytest.raises(domain.UnknownSku) as refused:
        domain.check_known(lines, {"SKU-B"})

    assert refused.value.error == "UnknownSku"
    assert "SKU-A" in refused.value.cause and "SKU-C" in refused.value.cause
    assert "SKU-B" not in refused.value.cause


def test_out_of_stock_names_only_the_short_lines() -> None:
    refusal = domain.out_of_stock([Line("SKU-B", 3)], {"SKU-B": 1})

    assert refusal.error == "OutOfStock"
    assert refusal.cause == "not enough stock: SKU-B (wanted 3, 1 available)"


def test_a_held_order_answers_with_its_hold() -> None:
    hold = Hold("hold_1", order_id(), HoldStatus.HELD, (Line("SKU-A", 2),))

    assert domain.hold_result(hold) == {
        "hold_id": "hold_1",
        "items": [{"sku": "SKU-A", "quantity": 2}],
    }


def test_releasing_a_hold_returns_its_lines_once() -> None:
    hold = Hold("hold_1", order_id(), HoldStatus.HELD, (Line("SKU-A", 2), Line("SKU-B", 1)))

    released, returned = domain.release(hold)
    again, returned_again = domain.release(released)

    assert released.status is HoldStatus.RELEASED
    assert returned == [Line("SKU-A", 2), Line("SKU-B", 1)]
    assert (again, returned_again) == (released, [])
    assert domain.release_result(released, returned)["released"] is True
    assert domain.release_result(again, returned_again)["released"] is False


def test_a_release_before_the_hold_blocks_the_hold() -> None:
    tombstone = domain.tombstone("hold_1", order_id())

    assert domain.release(tombstone) == (tombstone, [])
    with pytest.raises(domain.HoldReleased) as refused:
        domain.hold_result(tombstone)
    assert refused.value.error == "HoldReleased"
