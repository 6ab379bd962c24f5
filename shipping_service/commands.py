"""The body of the command shipping accepts, fields named as the workflow's `Parameters`."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from servicekit.inbox import CommandRejected
from servicekit.messages import Command

OrderId = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ShipOrder(BaseModel):
    model_config = ConfigDict(extra="ignore")

    order_id: OrderId
    items: list[dict[str, Any]]
    # Left loose on purpose: an incomplete address is a business refusal (AddressRejected) the
    # workflow compensates for, not a malformed command; the domain judges it.
    address: Any = None


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
