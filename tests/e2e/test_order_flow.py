"""Every path of the order saga, driven through the REST API against the five processes."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.orders import (
    available,
    net_charge,
    order_request,
    place,
    stocked_product,
    wait_finished,
)

pytestmark = pytest.mark.e2e


def records(client: httpx.Client, path: str, order_id: str) -> list[dict]:
    response = client.get(path, params={"order_id": order_id})
    assert response.status_code == 200, response.text
    return list(response.json())


def test_happy_order_is_charged_held_and_shipped(
    web: httpx.Client, payment: httpx.Client, inventory: httpx.Client, shipping: httpx.Client
) -> None:
    product = stocked_product(web)
    before = available(web, product["sku"])

    order_id = place(web, order_request(product["sku"], 2))
    order = wait_finished(web, order_id)

    assert order["status"] == "COMPLETED", order
    assert order["total_cents"] == 2 * product["price_cents"]
    assert order["failure"] is None
    assert order["finished_at"] is not None
    assert [s["name"] for s in order["steps"]][:3] == ["ChargePayment", "HoldItems", "ShipOrder"]
    assert all(s["status"] == "SUCCEEDED" for s in order["steps"])
    payments = records(payment, "/payments", order_id)
    assert [p["status"] for p in payments] == ["CHARGED"]
    assert payments[0]["amount_cents"] == order["total_cents"]
    assert order["payment_id"] == payments[0]["payment_id"]
    holds = records(inventory, "/holds", order_id)
    assert [h["status"] for h in holds] == ["HELD"]
    shipments = records(shipping, "/shipments", order_id)
    assert len(shipments) == 1
    assert order["tracking_number"] == shipments[0]["tracking_number"]
    assert available(web, product["sku"]) == before - 2


def test_one_waiting_get_sees_the_order_finish(web: httpx.Client) -> None:
    """GET with `wait` is held until the order is no longer PROCESSING, then answers it."""
    product = stocked_product(web)
    order_id = place(web, order_request(product["sku"], 1))
    response = web.get(f"/orders/{order_id}", params={"wait": 20}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "COMPLETED"


def test_declined_payment_fails_with_nothing_charged_or_held(
    web: httpx.Client, payment: httpx.Client, inventory: httpx.Client, shipping: httpx.Client
) -> None:
    product = stocked_product(web)
    before = available(web, product["sku"])

    order_id = place(web, order_request(product["sku"], token="tok_chargeDeclined"))
    order = wait_finished(web, order_id)

    assert order["status"] == "FAILED"
    assert order["failure"]["error"] == "PaymentDeclined"
    assert [p["status"] for p in records(payment, "/payments", order_id)] == ["DECLINED"]
    assert records(inventory, "/holds", order_id) == []
    assert records(shipping, "/shipments", order_id) == []
    assert available(web, product["sku"]) == before


def test_out_of_stock_refunds_the_charge(
    web: httpx.Client, payment: httpx.Client, inventory: httpx.Client, shipping: httpx.Client
) -> None:
    product = stocked_product(web, at_least=1)
    before = available(web, product["sku"])

    order_id = place(web, order_request(product["sku"], before + 1))
    order = wait_finished(web, order_id)

    assert order["status"] == "FAILED"
    assert order["failure"]["error"] == "OutOfStock"
    payments = records(payment, "/payments", order_id)
    assert [p["status"] for p in payments] == ["REFUNDED"]
    assert net_charge(payments) == 0
    assert not [h for h in records(inventory, "/holds", order_id) if h["status"] == "HELD"]
    assert records(shipping, "/shipments", order_id) == []
    assert available(web, product["sku"]) == before


def test_rejected_address_releases_the_hold_and_refunds(
    web: httpx.Client, payment: httpx.Client, inventory: httpx.Client, shipping: httpx.Client
) -> None:
    product = stocked_product(web)
    before = available(web, product["sku"])

    order_id = place(web, order_request(product["sku"], 1, country="BR"))
    order = wait_finished(web, order_id)

    assert order["status"] == "FAILED"
    assert order["failure"]["error"] == "AddressRejected"
    payments = records(payment, "/payments", order_id)
    assert [p["status"] for p in payments] == ["REFUNDED"]
    assert net_charge(payments) == 0
    assert [h["status"] for h in records(inventory, "/holds", order_id)] == ["RELEASED"]
    assert records(shipping, "/shipments", order_id) == []
    assert available(web, product["sku"]) == before
    steps = {s["name"]: s["status"] for s in order["steps"]}
    assert steps["ShipOrder"] == "FAILED"
    assert steps["ReleaseHold"] == "SUCCEEDED"
    assert steps["RefundPayment"] == "SUCCEEDED"


def test_restock_raises_available(web: httpx.Client, inventory: httpx.Client) -> None:
    product = stocked_product(web, at_least=0)
    before = available(web, product["sku"])
    response = inventory.post(f"/items/{product['sku']}/restock", json={"quantity": 5})
    assert response.status_code == 200, response.text
    assert available(web, product["sku"]) == before + 5
