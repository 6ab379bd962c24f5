"""inventory's HTTP API: the catalog (read by web to price orders), restocking, and holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from inventory_service import repository, views
from servicekit.http import DbConnection, DbSession
from servicekit.problems import Problem

router = APIRouter(tags=["inventory"])


class ItemOut(BaseModel):
    sku: str
    name: str
    price_cents: int
    currency: str
    available: int


class Restock(BaseModel):
    quantity: int = Field(ge=1, le=1_000_000, strict=True)


class HoldLineOut(BaseModel):
    sku: str
    quantity: int


class HoldOut(BaseModel):
    hold_id: str
    order_id: str
    status: str  # HELD | RELEASED
    items: list[HoldLineOut]
    created_at: datetime
    updated_at: datetime


def _unknown(sku: str) -> Problem:
    return Problem(404, "Unknown item", f"there is no item with sku {sku!r}")


@router.get("/items", summary="The catalog, with what is in stock")
async def list_items(db: DbSession) -> list[ItemOut]:
    return [ItemOut.model_validate(item) for item in await views.list_items(db)]


@router.get("/items/{sku}", summary="One item of the catalog")
async def get_item(db: DbSession, sku: str) -> ItemOut:
    item = await views.get_item(db, sku)
    if item is None:
        raise _unknown(sku)
    return ItemOut.model_validate(item)


@router.post("/items/{sku}/restock", summary="Add units to an item's stock")
async def restock(db: DbConnection, sku: str, body: Restock) -> ItemOut:
    item = await repository.restock(db, sku, body.quantity)
    if item is None:
        raise _unknown(sku)
    return ItemOut.model_validate(item)


@router.get("/holds", summary="An order's hold, or the most recent holds")
async def list_holds(
    db: DbSession,
    order_id: Annotated[str | None, Query(description="only this order's hold")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[HoldOut]:
    return [HoldOut.model_validate(hold) for hold in await views.list_holds(db, order_id, limit)]
