"""The bodies of the commands payment accepts (fields as the workflow's `Parameters` name them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

OrderId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ChargePayment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
    amount_cents: int = Field(gt=0, strict=True)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
    payment_token: Annotated[str, StringConstraints(min_length=1)]


class RefundPayment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
