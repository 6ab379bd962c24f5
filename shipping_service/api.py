"""shipping's read API. Thin: it asks the read model and shapes the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from servicekit.http import DbSession
from shipping_service import views

router = APIRouter(tags=["shipments"])


class ShipmentOut(BaseModel):
    shipment_id: str
    order_id: str
    status: str  # SHIPPED
    tracking_number: str
    carrier: str
    country: str
    created_at: datetime


@router.get("/shipments", summary="An order's shipment, or the most recent shipments")
async def list_shipments(
    db: DbSession,
    order_id: Annotated[str | None, Query(description="only this order's shipment")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ShipmentOut]:
    rows = await views.list_shipments(db, order_id, limit)
    return [ShipmentOut.model_validate(row) for row in rows]
