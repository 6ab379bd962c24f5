"""The shop's public JSON: what clients send and what they get back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# ISO 3166-1 alpha-2. Whether the shop ships there is the shipping step's business.
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]

ORDER_EXAMPLE: dict[str, Any] = {
    "customer": {"email": "ada@example.com"},
    "items": [{"sku": "TEE-BLK-M", "quantity": 2}, {"sku": "MUG-WHT", "quantity": 1}],
    "payment": {"token": "tok_visa_4242"},
    "shipping_address": {
        "name": "Ada Lovelace",
        "line1": "12 St James's Square",
        "city": "London",
        "postal_code": "SW1Y 4JH",
        "country": "GB",
    },
}


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_Input):
    email: EmailStr = Field(description="Where the order confirmation goes.")


class OrderItemRequest(_Input):
    """One line: a sku and how many. The price comes from the catalog, never from the client."""

    sku: Sku
    quantity: int = Field(ge=1, le=1000)


class Payment(_Input):
    token: Text = Field(description="The payment provider's token for the customer's card.")


class ShippingAddress(_Input):
    name: Text
    line1: Text
    city: Text
    postal_code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ]
    country: CountryCode = Field(
        description="ISO 3166-1 alpha-2 code, upper case.", examples=["GB"]
    )


class OrderRequest(_Input):
    """An order to place. Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ORDER_EXAMPLE]})

    customer: Customer
    items: list[OrderItemRequest] = Field(min_length=1, max_length=50)
    payment: Payment
    shipping_address: ShippingAddress

    @field_validator("items")
    @classmethod
    def _one_line_per_sku(cls, items: list[OrderItemRequest]) -> list[OrderItemRequest]:
        first_line: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.sku in first_line:
                raise ValueError(
                    f"sku {item.sku!r} is on lines {first_line[item.sku]} and {index}; "
                    "put it on one line with the total quantity"
                )
            first_line[item.sku] = index
        return items


class Product(BaseModel):
    """A sku on sale, as inventory's catalog has it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "TEE-BLK-M",
                    "name": "T-shirt, black, M",
                    "price_cents": 1999,
                    "currency": "EUR",
                    "available": 42,
                }
            ]
        }
    )

    sku: str
    name: str
    price_cents: int = Field(description="Unit price in minor units (cents).")
    currency: str = Field(description="ISO 4217 code.")
    available: int = Field(description="Units that can be ordered now.")


OrderStatus = Literal["PROCESSING", "COMPLETED", "FAILED"]
StepStatus = Literal["RUNNING", "RETRYING", "SUCCEEDED", "FAILED"]


class OrderAccepted(BaseModel):
    """The order was accepted and is being processed; poll `Location` for its outcome."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"order_id": "3f1c2a9e-8d0b-4f7e-9a51-0c2d7e6b1a44", "status": "PROCESSING"}
            ]
        }
    )

    order_id: str
    status: Literal["PROCESSING"] = "PROCESSING"


class OrderLine(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int


class Step(BaseModel):
    """A step of the order's workflow (a state entered), with its latest status. Steps come in
    the order they were entered: the compensation steps (ReleaseHold, RefundPayment) appear
    only when a step failed and its effects are being undone."""

    name: str = Field(description="The workflow state, e.g. ChargePayment or RefundPayment.")
    status: StepStatus = Field(
        description="RETRYING: an attempt failed and the step is being tried again."
    )
    attempts: int = Field(
        0,
        description="Attempts at the step's task so far (1 when it was not retried; 0 for "
        "a step that runs no task).",
    )
    entered_at: datetime | None = Field(None, description="When the step was (last) entered.")
    exited_at: datetime | None = Field(None, description="When it finished; null while it runs.")


class Failure(BaseModel):
    error: str = Field(description="The workflow's error name, e.g. PaymentDeclined.")
    cause: str | None = None


class OrderView(BaseModel):
    """An order and where it is, read from its execution and the execution's history."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "order_id": "3f1c2a9e-8d0b-4f7e-9a51-0c2d7e6b1a44",
                    "execution_id": "order-fulfillment:3f1c2a9e-8d0b-4f7e-9a51-0c2d7e6b1a44",
                    "status": "FAILED",
                    "total_cents": 3998,
                    "currency": "EUR",
                    "items": [
                        {
                            "sku": "TEE-BLK-M",
                            "name": "T-shirt, black, M",
                            "quantity": 2,
                            "unit_price_cents": 1999,
                            "line_total_cents": 3998,
                        }
                    ],
                    "created_at": "2025-01-01T12:00:00Z",
                    "finished_at": "2025-01-01T12:00:03Z",
                    "steps": [
                        {
                            "name": "ChargePayment",
                            "status": "SUCCEEDED",
                            "attempts": 1,
                            "entered_at": "2025-01-01T12:00:00.1Z",
                            "exited_at": "2025-01-01T12:00:00.4Z",
                        },
                        {
                            "name": "HoldItems",
                            "status": "SUCCEEDED",
                            "attempts": 1,
                            "entered_at": "2025-01-01T12:00:00.4Z",
                            "exited_at": "2025-01-01T12:00:00.6Z",
                        },
                        {
                            "name": "ShipOrder",
                            "status": "FAILED",
                            "attempts": 1,
                            "entered_at": "2025-01-01T12:00:00.6Z",
                            "exited_at": "2025-01-01T12:00:00.8Z",
                        },
                        {
                            "name": "ReleaseHold",
                            "status": "SUCCEEDED",
                            "attempts": 1,
                            "entered_at": "2025-01-01T12:00:00.8Z",
                            "exited_at": "2025-01-01T12:00:01.0Z",
                        },
                        {
                            "name": "RefundPayment",
                            "status": "SUCCEEDED",
                            "attempts": 2,
                            "entered_at": "2025-01-01T12:00:01.0Z",
                            "exited_at": "2025-01-01T12:00:02.9Z",
                        },
                        {
                            "name": "OrderFailed",
                            "status": "FAILED",
                            "attempts": 0,
                            "entered_at": "2025-01-01T12:00:02.9Z",
                            "exited_at": None,
                        },
                    ],
                    "payment_id": "pay_7d2f",
                    "tracking_number": None,
                    "failure": {"error": "AddressRejected", "cause": "we do not ship to BR"},
                }
            ]
        }
    )

    order_id: str
    execution_id: str = Field(
        description="The orchestrator's execution that runs the order (its console page)."
    )
    status: OrderStatus
    total_cents: int
    currency: str
    items: list[OrderLine]
    created_at: datetime | None
    finished_at: datetime | None
    steps: list[Step]
    payment_id: str | None
    tracking_number: str | None
    failure: Failure | None


class OrderSummary(BaseModel):
    order_id: str
    status: OrderStatus
    total_cents: int
    currency: str
    created_at: datetime | None
    finished_at: datetime | None


class OrderPage(BaseModel):
    """Orders newest first; pass `next_cursor` as `cursor` for the next page (null: no more)."""

    orders: list[OrderSummary]
    next_cursor: str | None


class FieldError(BaseModel):
    field: str = Field(examples=["items[0].sku"])
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem details, served as application/problem+json."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
