"""HTTP routes: translate requests into `OrderService` calls and results into responses."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from prometheus_client import Counter

from servicekit.problems import PROBLEM_JSON
from web.catalog import Catalog
from web.orders import OrderService
from web.schemas import OrderAccepted, OrderPage, OrderRequest, OrderView, ProblemDetails, Product

router = APIRouter()

# The longest `wait` on GET /orders/{id} (the orchestrator's own limit for its long-poll).
MAX_WAIT_SECONDS = 20

ORDERS_PLACED = Counter("web_orders_placed_total", "Orders accepted by POST /orders", ["outcome"])

_PROBLEMS = {
    400: "Malformed JSON, or an unknown cursor",
    404: "No such order",
    409: "The Idempotency-Key was already used with a different request",
    413: "The body is larger than 64 KiB",
    415: "The body is not application/json",
    422: "The request is invalid; `errors` names each field and what is wrong with it",
    502: "The orchestrator or inventory answered something unexpected",
    503: "The orchestrator or inventory is unavailable; try again",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for problem+json answers."""
    return {
        status: {
            "model": ProblemDetails,
            "description": _PROBLEMS[status],
            "content": {
                PROBLEM_JSON: {
                    "schema": {"$ref": "#/components/schemas/ProblemDetails"},
                    "example": _example(status),
                }
            },
        }
        for status in statuses
    }


def _example(status: int) -> dict[str, Any]:
    if status == 422:
        return {
            "type": "about:blank",
            "title": "Invalid order",
            "status": 422,
            "detail": "items[0].sku: unknown sku 'TEE-PNK-XL'",
            "errors": [{"field": "items[0].sku", "message": "unknown sku 'TEE-PNK-XL'"}],
        }
    return {"type": "about:blank", "title": _PROBLEMS[status], "status": status, "detail": "..."}


async def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


async def _orders(request: Request) -> OrderService:
    return OrderService(request.app.state.orchestrator, request.app.state.catalog)


CatalogDep = Annotated[Catalog, Depends(_catalog)]
Orders = Annotated[OrderService, Depends(_orders)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string (a UUID, say). Retrying with the same key and body "
        "returns the same order instead of placing a second one.",
    ),
]


@router.get(
    "/products",
    tags=["products"],
    summary="List the products on sale",
    response_description="Every sku in the catalog, with its price and stock",
    responses=problems(502, 503),
)
async def list_products(catalog: CatalogDep) -> list[Product]:
    return [Product.model_validate(item.model_dump()) for item in await catalog.list_items()]


@router.post(
    "/orders",
    tags=["orders"],
    status_code=202,
    summary="Place an order",
    description="Validates the order, prices it from the catalog (prices sent by the client are "
    "refused) and starts its fulfillment: charge, hold the items, ship. Answers at once; "
    "follow `Location` to see how the order goes.",
    response_description="Accepted; `Location` is the order's URL",
    responses={
        202: {
            "headers": {
                "Location": {"description": "/orders/{order_id}", "schema": {"type": "string"}}
            }
        },
        **problems(400, 409, 413, 415, 422, 502, 503),
    },
)
async def place_order(
    order: OrderRequest, orders: Orders, response: Response, idempotency_key: IdempotencyKey = None
) -> OrderAccepted:
    placed = await orders.place(order, idempotency_key)
    ORDERS_PLACED.labels("replayed" if placed.replayed else "started").inc()
    response.headers["Location"] = f"/orders/{placed.order_id}"
    if placed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return OrderAccepted(order_id=placed.order_id)


@router.get(
    "/orders/{order_id}",
    tags=["orders"],
    summary="Get an order and the progress of its fulfillment",
    response_description="The order: status, priced lines, each workflow step, payment id, "
    "tracking number, and why it failed if it did",
    responses=problems(404, 422, 502, 503),
)
async def get_order(
    order_id: uuid.UUID,
    orders: Orders,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT_SECONDS,
            description="Seconds to wait for a PROCESSING order to finish before answering "
            "(a long-poll: the answer comes as soon as it finishes; 0, the default, answers "
            "at once). Saves polling for the outcome.",
        ),
    ] = 0,
) -> OrderView:
    return await orders.get(str(order_id), wait)


@router.get(
    "/orders",
    tags=["orders"],
    summary="List orders, newest first",
    response_description="One page of order summaries and the cursor of the next page",
    responses=problems(400, 422, 502, 503),
)
async def list_orders(
    orders: Orders,
    limit: Annotated[int, Query(ge=1, le=100, description="Orders per page")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="`next_cursor` of the previous page")
    ] = None,
) -> OrderPage:
    return await orders.page(limit, cursor)
