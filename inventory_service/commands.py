"""The bodies of the commands inventory accepts, fields named as the workflow's `Parameters`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

OrderId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ItemLine(BaseModel):
    # An order's item may carry more (name, price); inventory needs only these two.
    model_config = ConfigDict(extra="ignore")

    sku: Annotated[str, StringConstraints(min_length=1)]
    quantity: int = Field(strict=True)


class HoldItems(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
    items: list[ItemLine]


class ReleaseHold(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
