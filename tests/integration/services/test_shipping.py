"""shipping against real Postgres and RabbitMQ: shipments, rejected addresses, once per order."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.integration.services.harness import Orchestrator, new_id

pytestmark = pytest.mark.integration

QUEUE = "shipping.commands"
ITEMS = [{"sku": "SKU-MUG", "quantity": 2}]


def address(**changes: Any) -> dict[str, Any]:
    base = {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


async def shipments_of(shipping: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    response = await shipping.get("/shipments", params={"order_id": order_id})
    assert response.status_code == 200, response.text
    return response.json()


async def ship(orchestrator: Orchestrator, order_id: str, to: Any) -> dict[str, Any]:
    return await orchestrator.call(QUEUE, "ShipOrder", order_id=order_id, items=ITEMS, address=to)


@pytest.mark.parametrize(
    ("country", "carrier"),
    [("US", "UPS"), ("gb", "Royal Mail"), ("FR", "La Poste")],
)
async def test_an_order_to_a_served_country_ships(
    shipping: httpx.AsyncClient, orchestrator: Orchestrator, country: str, carrier: str
) -> None:
    order_id = new_id("order")

    reply = await ship(orchestrator, order_id, address(country=country))

    assert reply["status"] == "SUCCEEDED", reply
    output = reply["output"]
    assert (output["status"], output["carrier"]) == ("SHIPPED", carrier)
    assert re.fullmatch(rf"[A-Z]+-{country.upper()}-[0-9A-F]{{12}}", output["tracking_number"])
    [record] = await shipments_of(shipping, order_id)
    assert record["shipment_id"] == output["shipment_id"]
    assert record["tracking_number"] == output["tracking_number"]
    assert record["country"] == country.upper()
    assert record["created_at"]


@pytest.mark.parametrize(
    ("to", "reason"),
    [
        (address(country="JP"), "JP"),
        (address(postal_code=None), "postal_code"),
        (address(line1="  "), "line1"),
        (None, "no shipping address"),
    ],
    ids=["country-not-served", "no-postal-code", "blank-line1", "no-address"],
)
async def test_an_address_the_store_cannot_ship_to_is_rejected(
    shipping: httpx.AsyncClient, orchestrator: Orchestrator, to: Any, reason: str
) -> None:
    order_id = new_id("order")

    reply = await ship(orchestrator, order_id, to)

    assert (reply["status"], reply["error"]) == ("FAILED", "AddressRejected")
    assert reason in reply["cause"]
    assert await shipments_of(shipping, order_id) == []


async def test_an_order_ships_once(shipping: httpx.AsyncClient, orchestrator: Orchestrator) -> None:
    order_id = new_id("order")
    fields: dict[str, Any] = {"order_id": order_id, "items": ITEMS, "address": address()}

    token = await orchestrator.send(QUEUE, "ShipOrder", **fields)
    await orchestrator.send(QUEUE, "ShipOrder", token, **fields)
    redelivered = await orchestrator.replies(token, count=2)
    retried = await orchestrator.call(QUEUE, "ShipOrder", **fields)

    assert redelivered[0] == redelivered[1]
    assert retried["output"] == redelivered[0]["output"]
    assert len(await shipments_of(shipping, order_id)) == 1


@pytest.mark.parametrize(
    ("command_type", "fields"),
    [
        ("ShipOrder", {"items": "SKU-MUG"}),
        ("ShipOrder", {"order_id": None}),
        ("CancelShipment", {}),
    ],
    ids=["items-not-a-list", "no-order-id", "unknown-type"],
)
async def test_a_malformed_command_is_an_invalid_command(
    shipping: httpx.AsyncClient,
    orchestrator: Orchestrator,
    command_type: str,
    fields: dict[str, Any],
) -> None:
    order_id = new_id("order")
    body = {"order_id": order_id, "items": ITEMS, "address": address(), **fields}

    reply = await orchestrator.call(QUEUE, command_type, **body)

    assert (reply["status"], reply["error"]) == ("FAILED", "InvalidCommand")
    assert await shipments_of(shipping, order_id) == []
