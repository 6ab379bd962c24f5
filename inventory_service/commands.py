"""The bodies of the commands inventory accepts, fields named as the workflow's `Parameters`."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from servicekit.inbox import CommandRejected
from servicekit.messages import Command

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


Body = TypeVar("Body", bound=BaseModel)


def parse(model: type[Body], command: Command) -> Body:
    """The command's body as `model`, or an `InvalidCommand` refusal saying what is wrong."""
    try:
        return model.model_validate(command.body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CommandRejected("InvalidCommand", f"{command.type}: {problems}") from exc
