"""inventory against real Postgres and RabbitMQ: catalog, all-or-none holds, releases, races."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.services.harness import Orchestrator, new_id

pytestmark = pytest.mark.integration

QUEUE = "inventory.commands"
StockItem = Callable[[int], Awaitable[str]]


async def available(inventory: httpx.AsyncClient, sku: str) -> int:
    response = await inventory.get(f"/items/{sku}")
    assert response.status_code == 200, response.text
    return int(response.json()["available"])


async def holds_of(inventory: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    response = await inventory.get("/holds", params={"order_id": order_id})
    assert response.status_code == 200, response.text
    return response.json()


async def hold(
    orchestrator: Orchestrator, order_id: str, items: list[dict[str, Any]]
) -> dict[str, Any]:
    return await orchestrator.call(QUEUE, "HoldItems", order_id=order_id, items=items)


async def release(orchestrator: Orchestrator, order_id: str) -> dict[str, Any]:
    return await orchestrator.call(QUEUE, "ReleaseHold", order_id=order_id)


async def test_the_catalog_is_seeded_with_stock(inventory: httpx.AsyncClient) -> None:
    response = await inventory.get("/items")

    assert response.status_code == 200
    catalog = {item["sku"]: item for item in response.json()}
    assert {"SKU-TSHIRT", "SKU-HOODIE", "SKU-MUG"} <= catalog.keys()
    for sku in ("SKU-TSHIRT", "SKU-HOODIE", "SKU-MUG"):
        assert catalog[sku]["currency"] == "USD"
        assert catalog[sku]["price_cents"] > 0
        assert catalog[sku]["available"] > 0
    one = await inventory.get("/items/SKU-MUG")
    assert one.json() == catalog["SKU-MUG"]


async def test_an_unknown_item_is_a_404_problem(inventory: httpx.AsyncClient) -> None:
    for response in (
        await inventory.get("/items/SKU-NOPE"),
        await inventory.post("/items/SKU-NOPE/restock", json={"quantity": 1}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "SKU-NOPE" in response.json()["detail"]


async def test_restocking_adds_units(inventory: httpx.AsyncClient, stock_item: StockItem) -> None:
    sku = await stock_item(3)

    response = await inventory.post(f"/items/{sku}/restock", json={"quantity": 7})

    assert response.status_code == 200
    assert response.json()["available"] == 10
    assert await available(inventory, sku) == 10


@pytest.mark.parametrize("quantity", [0, -1, "many"])
async def test_a_restock_must_add_at_least_one_unit(
    inventory: httpx.AsyncClient, stock_item: StockItem, quantity: object
) -> None:
    sku = await stock_item(3)

    response = await inventory.post(f"/items/{sku}/restock", json={"quantity": quantity})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert await available(inventory, sku) == 3


async def test_a_hold_takes_every_line(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    first, second = await stock_item(10), await stock_item(10)
    order_id = new_id("order")

    reply = await hold(
        orchestrator,
        order_id,
        [{"sku": second, "quantity": 3}, {"sku": first, "quantity": 2, "name": "ignored"}],
    )

    assert reply["status"] == "SUCCEEDED", reply
    lines = sorted([{"sku": first, "quantity": 2}, {"sku": second, "quantity": 3}], key=str)
    assert sorted(reply["output"]["items"], key=str) == lines
    assert (await available(inventory, first), await available(inventory, second)) == (8, 7)
    [record] = await holds_of(inventory, order_id)
    assert record["hold_id"] == reply["output"]["hold_id"]
    assert record["status"] == "HELD"
    assert sorted(record["items"], key=str) == lines


async def test_a_hold_the_stock_cannot_cover_holds_nothing(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    plenty, scarce = await stock_item(10), await stock_item(1)
    order_id = new_id("order")

    reply = await hold(
        orchestrator,
        order_id,
        [{"sku": plenty, "quantity": 2}, {"sku": scarce, "quantity": 3}],
    )

    assert (reply["status"], reply["error"]) == ("FAILED", "OutOfStock")
    assert scarce in reply["cause"]
    assert plenty not in reply["cause"]
    assert (await available(inventory, plenty), await available(inventory, scarce)) == (10, 1)
    assert await holds_of(inventory, order_id) == []


async def test_an_unknown_sku_holds_nothing(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    sku = await stock_item(10)
    order_id = new_id("order")
    missing = new_id("SKU-MISSING")

    reply = await hold(
        orchestrator, order_id, [{"sku": sku, "quantity": 1}, {"sku": missing, "quantity": 1}]
    )

    assert (reply["status"], reply["error"]) == ("FAILED", "UnknownSku")
    assert missing in reply["cause"]
    assert await available(inventory, sku) == 10
    assert await holds_of(inventory, order_id) == []


async def test_holding_an_order_again_returns_its_hold(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    sku = await stock_item(10)
    order_id = new_id("order")
    items = [{"sku": sku, "quantity": 4}]

    token = await orchestrator.send(QUEUE, "HoldItems", order_id=order_id, items=items)
    await orchestrator.send(QUEUE, "HoldItems", token, order_id=order_id, items=items)
    redelivered = await orchestrator.replies(token, count=2)
    retried = await hold(orchestrator, order_id, items)  # a new task token, same order

    assert redelivered[0] == redelivered[1]
    assert redelivered[0]["status"] == "SUCCEEDED"
    assert retried["output"] == redelivered[0]["output"]
    assert await available(inventory, sku) == 6
    assert len(await holds_of(inventory, order_id)) == 1


async def test_a_release_returns_the_stock_once(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    sku = await stock_item(10)
    order_id = new_id("order")
    await hold(orchestrator, order_id, [{"sku": sku, "quantity": 4}])

    first = await release(orchestrator, order_id)
    again = await release(orchestrator, order_id)

    assert first["output"] == {"order_id": order_id, "status": "RELEASED", "released": True}
    assert again["output"] == {"order_id": order_id, "status": "RELEASED", "released": False}
    assert await available(inventory, sku) == 10
    [record] = await holds_of(inventory, order_id)
    assert record["status"] == "RELEASED"


async def test_a_release_before_the_hold_leaves_a_tombstone(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    sku = await stock_item(10)
    order_id = new_id("order")

    released = await release(orchestrator, order_id)
    late_hold = await hold(orchestrator, order_id, [{"sku": sku, "quantity": 1}])

    assert released["output"] == {"order_id": order_id, "status": "RELEASED", "released": False}
    assert (late_hold["status"], late_hold["error"]) == ("FAILED", "HoldReleased")
    assert await available(inventory, sku) == 10
    [record] = await holds_of(inventory, order_id)
    assert (record["status"], record["items"]) == ("RELEASED", [])


@pytest.mark.parametrize(
    ("stock", "quantity", "winners", "left"),
    [(5, 1, 5, 0), (7, 2, 3, 1)],
    ids=["last-5-units", "last-7-by-twos"],
)
async def test_concurrent_holds_never_oversell(
    inventory: httpx.AsyncClient,
    orchestrator: Orchestrator,
    stock_item: StockItem,
    stock: int,
    quantity: int,
    winners: int,
    left: int,
) -> None:
    sku = await stock_item(stock)
    items = [{"sku": sku, "quantity": quantity}]

    replies = await asyncio.gather(*(hold(orchestrator, new_id("order"), items) for _ in range(30)))

    outcomes = Counter(reply.get("error", reply["status"]) for reply in replies)
    assert outcomes == {"SUCCEEDED": winners, "OutOfStock": 30 - winners}
    assert await available(inventory, sku) == left


async def test_concurrent_multi_line_holds_in_any_line_order_neither_deadlock_nor_oversell(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    first, second = await stock_item(5), await stock_item(5)
    forwards = [{"sku": first, "quantity": 1}, {"sku": second, "quantity": 1}]
    backwards = forwards[::-1]

    replies = await asyncio.gather(
        *(hold(orchestrator, new_id("order"), [forwards, backwards][n % 2]) for n in range(30))
    )

    outcomes = Counter(reply.get("error", reply["status"]) for reply in replies)
    assert outcomes == {"SUCCEEDED": 5, "OutOfStock": 25}
    assert (await available(inventory, first), await available(inventory, second)) == (0, 0)


@pytest.mark.parametrize(
    ("command_type", "items"),
    [
        ("HoldItems", []),
        ("HoldItems", [{"sku": "SKU-MUG", "quantity": 0}]),
        ("HoldItems", [{"sku": "SKU-MUG", "quantity": "2"}]),
        ("HoldItems", [{"quantity": 1}]),
        ("HoldItems", "SKU-MUG"),
        ("ReserveItems", [{"sku": "SKU-MUG", "quantity": 1}]),
    ],
    ids=["no-items", "zero", "quantity-as-text", "no-sku", "items-not-a-list", "unknown-type"],
)
async def test_a_malformed_command_is_an_invalid_command(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, command_type: str, items: object
) -> None:
    order_id = new_id("order")
    before = await available(inventory, "SKU-MUG")

    reply = await orchestrator.call(QUEUE, command_type, order_id=order_id, items=items)

    assert (reply["status"], reply["error"]) == ("FAILED", "InvalidCommand")
    assert reply["cause"]
    assert await available(inventory, "SKU-MUG") == before
    assert await holds_of(inventory, order_id) == []


async def test_a_release_racing_its_hold_never_leaves_stock_held(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    sku = await stock_item(100)
    orders = [new_id("order") for _ in range(15)]

    async def race(order_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        held, released = await asyncio.gather(
            hold(orchestrator, order_id, [{"sku": sku, "quantity": 2}]),
            release(orchestrator, order_id),
        )
        return held, released

    outcomes = await asyncio.gather(*(race(order_id) for order_id in orders))

    for order_id, (held, released) in zip(orders, outcomes, strict=True):
        [record] = await holds_of(inventory, order_id)
        assert record["status"] == "RELEASED"
        if held["status"] == "SUCCEEDED":  # the hold won: the release put it back
            assert released["output"]["released"] is True
        else:  # the release won: its tombstone kept the hold from ever taking stock
            assert held["error"] == "HoldReleased"
            assert record["items"] == []
    assert await available(inventory, sku) == 100
