"""The body of the command shipping accepts, fields named as the workflow's `Parameters`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

OrderId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ShipOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
    items: list[dict[str, Any]]
    # Left loose on purpose: an incomplete address is a business refusal (AddressRejected) the
    # workflow compensates for, not a malformed command; the domain judges it.
    address: Any = None
