"""The context object (`$$`) and the engine's time format."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .api import ExecutionContext


def iso(moment: datetime) -> str:
    """AWS's timestamp text: ISO-8601, UTC, millisecond precision, `Z`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    # isoformat, not strftime: a third of the time, on every state entered.
    return moment.isoformat(timespec="milliseconds") + "Z"


def state_machine_id(ctx: ExecutionContext) -> str:
    return ctx.state_machine_arn or f"{ctx.state_machine_name}:{ctx.state_machine_version}"


def build_context(
    ctx: ExecutionContext,
    *,
    state_name: str | None,
    entered_time: str | None,
    retry_count: int | None,
    redrive_count: int,
    token: str | None = None,
    item: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`$$`: Execution, State, StateMachine, and Task / Map where they apply (`retry_count`
    None: a state without Retry)."""
    context: dict[str, Any] = {
        "Execution": {
            "Id": ctx.execution_id,
            "Input": ctx.input,
            "Name": ctx.execution_name,
            "RoleArn": "",
            "StartTime": iso(ctx.start_time),
            "RedriveCount": redrive_count,
        },
        "State": {"EnteredTime": entered_time, "Name": state_name},
        "StateMachine": {"Id": state_machine_id(ctx), "Name": ctx.state_machine_name},
    }
    if retry_count is not None:  # AWS shows RetryCount only in states that can retry
        context["State"]["RetryCount"] = retry_count
    if token is not None:
        context["Task"] = {"Token": token}
    if item is not None:
        context["Map"] = {"Item": item}
    return context
