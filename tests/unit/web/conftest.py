from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.api_token import API_TOKEN, AUTH_HEADERS
from tests.unit.web.fakes import FakeCatalog, FakeOrchestrator
from web.app import create_app
from web.catalog import CatalogItem
from web.settings import WebSettings


@pytest.fixture
def catalog() -> FakeCatalog:
    return FakeCatalog(
        [
            CatalogItem(sku="TEE", name="T-shirt", price_cents=1999, currency="EUR", available=10),
            CatalogItem(sku="MUG", name="Mug", price_cents=850, currency="EUR", available=3),
            CatalogItem(sku="HAT", name="Hat", price_cents=1200, currency="USD", available=5),
        ]
    )


@pytest.fixture
def orchestrator() -> FakeOrchestrator:
    return FakeOrchestrator()


@pytest.fixture
async def client(
    orchestrator: FakeOrchestrator, catalog: FakeCatalog
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(WebSettings(api_token=API_TOKEN), orchestrator=orchestrator, catalog=catalog)
    transport = httpx.ASGITransport(app=app)
    # The token matters to GET /orders (the list) only; the shop's other routes are public.
    async with httpx.AsyncClient(
        transport=transport, base_url="http://web", headers=AUTH_HEADERS
    ) as http:
        yield http


def an_order(**changes: Any) -> dict[str, Any]:
    """A valid order body; `changes` replace top-level fields."""
    body: dict[str, Any] = {
        "customer": {"email": f"buyer-{uuid.uuid4().hex[:8]}@example.com"},
        "items": [{"sku": "TEE", "quantity": 2}, {"sku": "MUG", "quantity": 1}],
        "payment": {"token": f"tok_{uuid.uuid4().hex}"},
        "shipping_address": {
            "name": "Ada Lovelace",
            "line1": "12 St James's Square",
            "city": "London",
            "postal_code": "SW1Y 4JH",
            "country": "GB",
        },
    }
    body.update(changes)
    return body
