"""SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat: a reply to a Task's token, delivered
as the AMQP and REST replies are (Orchestrator.deliver_reply)."""

from __future__ import annotations

from typing import Any

from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import from_orchestrator
from orchestrator.aws_api.shapes import Request, parse_json_text
from orchestrator.errors import OrchestratorError
from servicekit.messages import TaskReply

MAX_TOKEN = 1024
MAX_OUTPUT = 262_144


async def _deliver(api: AwsApi, reply: TaskReply) -> dict[str, Any]:
    try:
        await api.orchestrator.deliver_reply(reply, via="http")
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
