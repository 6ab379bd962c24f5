"""Every kind of bad input is a 4xx problem+json naming what is wrong, and starts nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.unit.web.conftest import an_order
from tests.unit.web.fakes import FakeOrchestrator

PROBLEM_JSON = "application/problem+json"


def _without(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def edit(body: dict[str, Any]) -> None:
        for key in parents:
            body = body[key]
        del body[last]

    return edit


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def edit(body: dict[str, Any]) -> None:
        for key in parents:
            body = body[key]
        body[last] = value

    return edit


def _set_line(index: int, field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        body["items"][index][field] = value

    return edit


CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("missing customer", _without("customer"), "customer"),
    ("missing email", _without("customer.email"), "customer.email"),
    ("missing items", _without("items"), "items"),
    ("missing payment token", _without("payment.token"), "payment.token"),
    ("missing city", _without("shipping_address.city"), "shipping_address.city"),
    ("extra top-level field", _set("coupon", "FREE"), "coupon"),
    ("extra customer field", _set("customer.name", "Ada"), "customer.name"),
    ("extra address field", _set("shipping_address.line2", "x"), "shipping_address.line2"),
    ("malformed email", _set("customer.email", "not-an-email"), "customer.email"),
    ("quantity zero", _set_line(0, "quantity", 0), "items[0].quantity"),
    ("quantity negative", _set_line(1, "quantity", -3), "items[1].quantity"),
    ("quantity over 1000", _set_line(0, "quantity", 1001), "items[0].quantity"),
    ("quantity not a number", _set_line(0, "quantity", "two"), "items[0].quantity"),
    ("client-sent unit price", _set_line(0, "unit_price_cents", 1), "items[0].unit_price_cents"),
    ("client-sent total", _set("total_cents", 1), "total_cents"),
    ("empty sku", _set_line(0, "sku", ""), "items[0].sku"),
    ("no items", _set("items", []), "items"),
    ("51 lines", _set("items", [{"sku": f"S{i}", "quantity": 1} for i in range(51)]), "items"),
    (
        "duplicate sku lines",
        _set("items", [{"sku": "TEE", "quantity": 1}, {"sku": "TEE", "quantity": 2}]),
        "items",
    ),
    ("lower-case country", _set("shipping_address.country", "gb"), "shipping_address.country"),
    ("three-letter country", _set("shipping_address.country", "GBR"), "shipping_address.country"),
    ("blank name", _set("shipping_address.name", "   "), "shipping_address.name"),
    ("items not a list", _set("items", {"sku": "TEE"}), "items"),
    ("unknown sku", _set_line(0, "sku", "NOPE"), "items[0].sku"),
    ("sku in another currency", _set_line(1, "sku", "HAT"), "items[1].sku"),
]


@pytest.fixture
async def no_starts(orchestrator: FakeOrchestrator) -> AsyncIterator[None]:
    yield
    assert orchestrator.starts == [], "an execution started on bad input"


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    return problem


@pytest.mark.parametrize(("case", "edit", "field"), CASES, ids=[c[0] for c in CASES])
async def test_invalid_order_is_422_naming_the_field(
    client: httpx.AsyncClient,
    no_starts: None,
    case: str,
    edit: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    body = an_order()
    edit(body)
    problem = _assert_problem(await client.post("/orders", json=body), 422)
    assert field in [error["field"] for error in problem["errors"]], problem


async def test_unknown_skus_are_all_named(client: httpx.AsyncClient, no_starts: None) -> None:
    body = an_order(
        items=[
            {"sku": "X1", "quantity": 1},
            {"sku": "TEE", "quantity": 1},
            {"sku": "X2", "quantity": 1},
        ]
    )
    problem = _assert_problem(await client.post("/orders", json=body), 422)
    assert [e["field"] for e in problem["errors"]] == ["items[0].sku", "items[2].sku"]
    assert "X1" in problem["errors"][0]["message"]


async def test_malformed_json_is_400(client: httpx.AsyncClient, no_starts: None) -> None:
    response = await client.post(
        "/orders", content=b'{"customer": {', headers={"content-type": "application/json"}
    )
    problem = _assert_problem(response, 400)
    assert "JSON" in problem["detail"]


async def test_json_that_is_not_an_object_is_422(
    client: httpx.AsyncClient, no_starts: None
) -> None:
    _assert_problem(await client.post("/orders", json=[1, 2]), 422)


async def test_empty_body_is_422(client: httpx.AsyncClient, no_starts: None) -> None:
    response = await client.post("/orders", headers={"content-type": "application/json"})
    _assert_problem(response, 422)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_body_that_is_not_json_is_415(
    client: httpx.AsyncClient, no_starts: None, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/orders", content=json.dumps(an_order()), headers=headers)
    _assert_problem(response, 415)


async def test_json_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/orders",
        content=json.dumps(an_order()).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 202, response.text


def _oversized_body() -> bytes:
    body = an_order()
    body["shipping_address"]["line1"] = "x" * (65 * 1024)
    return json.dumps(body).encode()


async def test_body_over_64_kib_by_content_length_is_413(
    client: httpx.AsyncClient, no_starts: None
) -> None:
    response = await client.post(
        "/orders", content=_oversized_body(), headers={"content-type": "application/json"}
    )
    _assert_problem(response, 413)


async def test_body_over_64_kib_while_streaming_is_413(
    client: httpx.AsyncClient, no_starts: None
) -> None:
    data = _oversized_body()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    # No Content-Length: the limit must hold while the body is read.
    response = await client.post(
        "/orders", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    _assert_problem(response, 413)


async def test_content_length_that_lies_low_is_still_413(
    client: httpx.AsyncClient, no_starts: None
) -> None:
    data = _oversized_body()

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    response = await client.post(
        "/orders",
        content=chunks(),
        headers={"content-type": "application/json", "content-length": "100"},
    )
    _assert_problem(response, 413)


async def test_body_just_under_the_limit_is_read(client: httpx.AsyncClient) -> None:
    body = an_order()
    body["shipping_address"]["line1"] = "x" * 150
    response = await client.post("/orders", json=body)
    assert response.status_code == 202


async def test_idempotency_key_too_long_is_422(client: httpx.AsyncClient, no_starts: None) -> None:
    response = await client.post("/orders", json=an_order(), headers={"Idempotency-Key": "k" * 256})
    problem = _assert_problem(response, 422)
    assert problem["errors"][0]["field"] == "Idempotency-Key"


async def test_unserved_country_is_valid_input(
    client: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    # Whether the shop ships to Brazil is the shipping step's call (AddressRejected), not web's.
    body = an_order()
    body["shipping_address"]["country"] = "BR"
    response = await client.post("/orders", json=body)
    assert response.status_code == 202
    assert orchestrator.starts[0][2]["shipping_address"]["country"] == "BR"


@pytest.mark.parametrize(
    ("query", "field"), [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit")]
)
async def test_bad_list_query_is_422(client: httpx.AsyncClient, query: str, field: str) -> None:
    problem = _assert_problem(await client.get(f"/orders?{query}"), 422)
    assert problem["errors"][0]["field"] == field


async def test_order_id_that_is_not_a_uuid_is_422(client: httpx.AsyncClient) -> None:
    problem = _assert_problem(await client.get("/orders/not-a-uuid"), 422)
    assert problem["errors"][0]["field"] == "order_id"


@pytest.mark.parametrize(
    ("escaped", "field"),
    [
        ('"items": [{"sku": "TEE\\u0000", "quantity": 1}]', "items[0].sku"),
        ('"items": [{"sku": "\\ud800", "quantity": 1}]', "items[0].sku"),
        ('"items": [{"sku": "TEE", "quantity": 1, "n\\u0000": 1}]', "items[0].n\x00"),
    ],
    ids=["nul", "lone-surrogate", "nul-in-a-key"],
)
async def test_text_no_store_can_keep_is_400_naming_the_field(
    client: httpx.AsyncClient, no_starts: None, escaped: str, field: str
) -> None:
    body = json.dumps(an_order(items=[]))[:-1].replace('"items": []', escaped) + "}"
    response = await client.post(
        "/orders", content=body.encode(), headers={"content-type": "application/json"}
    )
    problem = _assert_problem(response, 400)
    assert [error["field"] for error in problem["errors"]] == [field]


async def test_an_escaped_backslash_before_u0000_is_plain_text(client: httpx.AsyncClient) -> None:
    # `\\u0000` in JSON is a backslash and "u0000": storable, so the order is judged on its own.
    body = json.dumps(an_order(idempotency_note=None))
    body = body.replace('"idempotency_note": null', '"note": "\\\\u0000"')
    response = await client.post(
        "/orders", content=body.encode(), headers={"content-type": "application/json"}
    )
    problem = _assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == ["note"]


async def test_nul_in_a_path_or_query_parameter_is_400(client: httpx.AsyncClient) -> None:
    problem = _assert_problem(await client.get("/orders", params={"cursor": "a\x00"}), 400)
    assert problem["errors"][0]["field"] == "cursor"


async def test_json_nested_too_deep_to_decode_is_400(
    client: httpx.AsyncClient, no_starts: None
) -> None:
    body = b"[" * 20_000 + b"]" * 20_000
    response = await client.post(
        "/orders", content=body, headers={"content-type": "application/json"}
    )
    _assert_problem(response, 400)
