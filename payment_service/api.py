"""payment's read API. Thin: it asks the read model and shapes the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from payment_service import views
from servicekit.http import DbSession

router = APIRouter(tags=["payments"])


class PaymentOut(BaseModel):
    payment_id: str
    order_id: str
    status: str  # CHARGED | REFUNDED | DECLINED | VOIDED
    amount_cents: int
    refunded_cents: int
    currency: str | None
    decline_reason: str | None
    created_at: datetime
    updated_at: datetime


@router.get("/payments", summary="An order's payment, or the most recent payments")
async def list_payments(
    db: DbSession,
    order_id: Annotated[str | None, Query(description="only this order's payment")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PaymentOut]:
    rows = await views.list_payments(db, order_id, limit)
    return [PaymentOut.model_validate(row) for row in rows]
