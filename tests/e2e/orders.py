"""Helpers to place orders through the REST API and read every service's record of them."""

from __future__ import annotations

import time
from typing import Any

import httpx

# Re-exported: the tests import the order body from here.
from devtools.orders import ADDRESS as ADDRESS
from devtools.orders import order_request as order_request


def place(web: httpx.Client, body: dict[str, Any], **headers: str) -> str:
    response = web.post("/orders", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return str(response.json()["order_id"])


def wait_finished(web: httpx.Client, order_id: str, timeout: float = 45.0) -> dict[str, Any]:
    """The order once it is no longer PROCESSING: GET /orders/{id}?wait=... (a long-poll that
    web answers as soon as the order finishes), again while it is still processing."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        wait = min(10.0, max(left, 0.1))
        response = web.get(f"/orders/{order_id}", params={"wait": wait}, timeout=wait + 10)
        order = response.json()
        if order["status"] != "PROCESSING":
            return dict(order)
    raise AssertionError(f"order {order_id} still PROCESSING after {timeout}s: {order}")


def available(web: httpx.Client, sku: str) -> int:
    products = {p["sku"]: p for p in web.get("/products").json()}
    return int(products[sku]["available"])


def stocked_product(web: httpx.Client, at_least: int = 3) -> dict[str, Any]:
    for product in web.get("/products").json():
        if product["available"] >= at_least:
            return dict(product)
    raise AssertionError("no product has stock left")


def net_charge(payments: list[dict[str, Any]]) -> int:
    charged = sum(p["amount_cents"] for p in payments if p["status"] in ("CHARGED", "REFUNDED"))
    refunded = sum(p.get("refunded_cents") or 0 for p in payments)
    return charged - refunded
