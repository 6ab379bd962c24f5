"""SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat: a reply to a Task's token, delivered
as the AMQP and REST replies are (Orchestrator.deliver_reply)."""

from __future__ import annotations

import re
from typing import Any

from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError, from_orchestrator
from orchestrator.aws_api.shapes import Request, parse_json_text
from orchestrator.errors import InvalidToken, OrchestratorError
from servicekit.messages import TaskReply

MAX_TOKEN = 1024
MAX_OUTPUT = 262_144
# The form of the tokens we issue (orchestrator.entropy: secrets.token_urlsafe(32)). As AWS, a
# token of that form that names no task is TaskDoesNotExist; anything else is InvalidToken.
_WELL_FORMED_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


async def _deliver(api: AwsApi, reply: TaskReply) -> dict[str, Any]:
    try:
        await api.orchestrator.deliver_reply(reply, via="http")
    except InvalidToken as exc:
        if _WELL_FORMED_TOKEN.fullmatch(reply.task_token):
            raise AwsError("TaskDoesNotExist", "Task Does Not Exist") from None
        raise from_orchestrator(exc) from None
    except OrchestratorError as exc:
        raise from_orchestrator(exc) from None
    return {}


async def send_task_success(api: AwsApi, request: Request) -> dict[str, Any]:
    token = request.required_text("taskToken", max_length=MAX_TOKEN)
    text = request.required_text("output", max_length=MAX_OUTPUT)
    output = parse_json_text(text, "InvalidOutput", "output")
    return await _deliver(api, TaskReply.succeeded(token, output))


async def send_task_failure(api: AwsApi, request: Request) -> dict[str, Any]:
    token = request.required_text("taskToken", max_length=MAX_TOKEN)
    error = request.text("error", max_length=256)
    cause = request.text("cause", max_length=32_768)
    return await _deliver(api, TaskReply.failed(token, error or "", cause))


async def send_task_heartbeat(api: AwsApi, request: Request) -> dict[str, Any]:
    token = request.required_text("taskToken", max_length=MAX_TOKEN)
    return await _deliver(api, TaskReply(token, "HEARTBEAT"))


OPERATIONS: dict[str, Operation] = {
    "SendTaskSuccess": send_task_success,
    "SendTaskFailure": send_task_failure,
    "SendTaskHeartbeat": send_task_heartbeat,
}
