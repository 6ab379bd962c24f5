"""The wire contract between the orchestrator and the services (DESIGN.md, "The wire contract").

A command is the Task's effective input, published with `message_id` = task token,
`correlation_id` = execution id and `reply_to` = the result queue; its `reply-exchange` header
names the exchange the reply is published to (routed by `reply_to`), and every message carries
`user_id`, the publisher's RabbitMQ user. A reply is SendTaskSuccess,
SendTaskFailure or SendTaskHeartbeat over AMQP. Both are JSON; unknown fields are ignored so a
newer sender can add some.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from servicekit.storable import unstorable_field

ReplyStatus = Literal["SUCCEEDED", "FAILED", "HEARTBEAT"]

RESULT_QUEUE = "orchestrator.results"
# A command's header naming the exchange its reply is published to, routed by `reply_to`.
REPLY_EXCHANGE_HEADER = "reply-exchange"


class PoisonMessage(Exception):
    """A message that can never be processed: it goes to the dead-letter queue with this reason."""


def decode_json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError) as exc:  # not JSON, or nested too deep to decode
        raise PoisonMessage(f"body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise PoisonMessage(f"body must be a JSON object, got {type(value).__name__}")
    unstorable = unstorable_field(value)
    if unstorable is not None:  # no transaction could record it: it would fail for ever
        raise PoisonMessage("body field {} {}".format(*unstorable))
    return value


@dataclass(frozen=True)
class Command:
    """A step for a service to perform, as it arrives from the orchestrator."""

    type: str
    task_token: str
    reply_to: str
    correlation_id: str | None
    body: dict[str, Any]

    @classmethod
    def from_amqp(
        cls, body: bytes, message_id: str | None, reply_to: str | None, correlation_id: str | None
    ) -> Command:
        data = decode_json_object(body)
        token = data.get("taskToken") or message_id
        if not isinstance(token, str) or not token:
            raise PoisonMessage("command carries no task token (taskToken or message_id)")
        command_type = data.get("type")
        if not isinstance(command_type, str) or not command_type:
            raise PoisonMessage("command has no 'type'")
        if not reply_to:
            raise PoisonMessage("command has no reply_to queue")
        return cls(command_type, token, reply_to, correlation_id, data)


@dataclass(frozen=True)
class TaskReply:
    """What a service says of a command: succeeded with output, failed with an error name."""

    task_token: str
    status: ReplyStatus
    output: Any = None
    error: str | None = None
    cause: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def succeeded(cls, token: str, output: Any) -> TaskReply:
        return cls(token, "SUCCEEDED", output=output)

    @classmethod
    def failed(cls, token: str, error: str, cause: str | None = None) -> TaskReply:
        return cls(token, "FAILED", error=error, cause=cause)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"taskToken": self.task_token, "status": self.status}
        if self.status == "SUCCEEDED":
            body["output"] = self.output
        elif self.status == "FAILED":
            body["error"] = self.error
            body["cause"] = self.cause
        return body

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskReply:
        token = data.get("taskToken")
        if not isinstance(token, str) or not token:
            raise PoisonMessage("reply has no taskToken")
        status = data.get("status")
        if status not in ("SUCCEEDED", "FAILED", "HEARTBEAT"):
            raise PoisonMessage(
                f"reply status must be SUCCEEDED, FAILED or HEARTBEAT, got {status!r}"
            )
        error = data.get("error")
        cause = data.get("cause")
        if error is not None and not isinstance(error, str):
            raise PoisonMessage("reply 'error' must be a string")
        if cause is not None and not isinstance(cause, str):
            raise PoisonMessage("reply 'cause' must be a string")
        return cls(token, status, output=data.get("output"), error=error, cause=cause)
