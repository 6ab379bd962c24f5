"""The bodies of the commands payment accepts (fields as the workflow's `Parameters` name them)."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from servicekit.inbox import CommandRejected
from servicekit.messages import Command

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


Body = TypeVar("Body", bound=BaseModel)


def parse(model: type[Body], command: Command) -> Body:
    """The command's body as `model`, or an `InvalidCommand` refusal saying what is wrong."""
    try:
        return model.model_validate(command.body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CommandRejected("InvalidCommand", f"{command.type}: {problems}") from exc
