"""What every service does with a command before its own rules run: route it by type and read
its body into a typed model. Both refusals become `InvalidCommand` replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import asyncpg
from pydantic import BaseModel, ValidationError

from servicekit.inbox import CommandRejected, OneStatement
from servicekit.messages import Command, TaskReply

Body = TypeVar("Body", bound=BaseModel)
Handler = Callable[[asyncpg.Connection, Command], Awaitable[TaskReply]]
# A command type's plan (servicekit.inbox.OneStatement); it may raise CommandRejected (a body that
# does not parse), which leaves the command to its handler.
Planner = Callable[[Command], OneStatement | None]


def parse_body(model: type[Body], command: Command) -> Body:
    """The command's body as `model`, or an `InvalidCommand` refusal saying what is wrong."""
    try:
        return model.model_validate(command.body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CommandRejected("InvalidCommand", f"{command.type}: {problems}") from exc


class CommandRouter:
    """Sends each command to the handler for its `type` (a `servicekit.inbox.Dispatch`), and
    offers the plan of those types that have one (`plan`, a `servicekit.inbox.Plan`)."""

    def __init__(
        self,
        service: str,
        handlers: Mapping[str, Handler],
        plans: Mapping[str, Planner] | None = None,
    ) -> None:
        self._service = service
        self._handlers = dict(handlers)
        self._plans = dict(plans or {})

    def plan(self, command: Command) -> OneStatement | None:
        planner = self._plans.get(command.type)
        if planner is None:
            return None
        try:
            return planner(command)
        except CommandRejected:
            return None  # the handler refuses it again, on the path that records refusals

    async def __call__(self, connection: asyncpg.Connection, command: Command) -> TaskReply:
        handler = self._handlers.get(command.type)
        if handler is None:
            known = ", ".join(sorted(self._handlers))
            raise CommandRejected(
                "InvalidCommand", f"{self._service} handles {known}; not {command.type!r}"
            )
        return await handler(connection, command)
