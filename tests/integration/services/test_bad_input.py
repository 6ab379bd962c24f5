"""The services' HTTP edges against bad input, with their real database: text Postgres cannot
keep is a 400 naming the parameter (it was a 500 from inventory, which web turned into a 503),
a body must be JSON (415) and at most 64 KiB (413), malformed JSON is a 400."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


def fields_of(response: httpx.Response, status: int) -> list[str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json().get("errors", [])]


async def test_a_nul_in_a_sku_is_400_naming_it(inventory: httpx.AsyncClient) -> None:
    assert fields_of(await inventory.get("/items/SKU%00MUG"), 400) == ["sku"]
    restocked = await inventory.post("/items/SKU%00MUG/restock", json={"quantity": 1})
    assert fields_of(restocked, 400) == ["sku"]


async def test_a_nul_in_a_query_parameter_is_400_naming_it(
    payment: httpx.AsyncClient, inventory: httpx.AsyncClient, shipping: httpx.AsyncClient
) -> None:
    for client, path in ((payment, "/payments"), (inventory, "/holds"), (shipping, "/shipments")):
        response = await client.get(path, params={"order_id": "o\x00"})
        assert fields_of(response, 400) == ["order_id"], path


async def test_restock_bodies_are_json_of_at_most_64_kib(inventory: httpx.AsyncClient) -> None:
    url = "/items/SKU-MUG/restock"
    as_text = await inventory.post(
        url, content=b"quantity=1", headers={"content-type": "text/plain"}
    )
    fields_of(as_text, 415)
    malformed = await inventory.post(
        url, content=b'{"quantity": ', headers={"content-type": "application/json"}
    )
    fields_of(malformed, 400)
    huge = await inventory.post(url, json={"quantity": 1, "pad": "x" * (64 * 1024)})
    fields_of(huge, 413)
