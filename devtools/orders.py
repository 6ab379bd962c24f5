"""A valid order body for web's `POST /orders` (the README's happy path unless told otherwise)."""

from __future__ import annotations

import uuid
from typing import Any

ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 Analytical Row",
    "city": "London",
    "postal_code": "N1 9GU",
    "country": "GB",
}


def order_request(
    sku: str,
    quantity: int = 1,
    *,
    token: str = "tok_visa",
    country: str = "GB",
) -> dict[str, Any]:
    return {
        "customer": {"email": f"buyer-{uuid.uuid4().hex[:8]}@example.com"},
        "items": [{"sku": sku, "quantity": quantity}],
        "payment": {"token": token},
        "shipping_address": {**ADDRESS, "country": country},
    }
