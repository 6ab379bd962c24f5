"""payment's read API. Thin: it asks the read model and shapes the answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from payment_service import views

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


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.resources.sessions() as opened:
        yield opened


Session = Annotated[AsyncSession, Depends(_session)]


@router.get("/payments", summary="An order's payment, or the most recent payments")
async def list_payments(
    db: Session,
    order_id: Annotated[str | None, Query(description="only this order's payment")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[PaymentOut]:
    rows = await views.list_payments(db, order_id, limit)
    return [PaymentOut.model_validate(row) for row in rows]
