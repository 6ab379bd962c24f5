"""Execution operations over the Orchestrator (start, describe, stop, redrive) and the control
API's queries (lists). GetExecutionHistory is in history.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from orchestrator import queries
from orchestrator.aws_api import alias_catalog, aliases, catalog, history
from orchestrator.aws_api.arns import StateMachineRef, check_name
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import (
    AwsError,
    from_orchestrator,
    state_machine_does_not_exist,
    validation,
)
from orchestrator.aws_api.lookups import execution_or_error, machine_or_error
from orchestrator.aws_api.shapes import (
    Request,
    json_text,
    page,
    parse_json_text,
    timestamp,
)
from orchestrator.errors import OrchestratorError
from orchestrator.executions import ExecutionRow
from orchestrator.service import Started

MAX_PAYLOAD = 262_144  # AWS's limit on an input or output, in characters
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
REDRIVE_FILTERS = ("REDRIVEN", "NOT_REDRIVEN")


async def start_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    """StartExecution of a machine (its current definition), a published version, or an alias
    (a version picked by weight)."""
    arn = request.required_text("stateMachineArn")
    ref = api.arns.parse_state_machine(arn, allow_alias=True)
    name = check_name(request.text("name") or str(uuid.uuid4()))
    text = request.text("input", max_length=MAX_PAYLOAD) or "{}"
    input = parse_json_text(text, "InvalidExecutionInput", "execution input")
    started, machine = await start(api, ref, name, input)
    execution_arn = api.arns.execution(
        started.execution.execution_id, express=machine.type == "EXPRESS"
    )
    # AWS: the same name and input while it runs is the same execution; once it has closed,
    # the name is taken.
    if not started.created and started.execution.status != "RUNNING":
        raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{execution_arn}'")
    return {"executionArn": execution_arn, "startDate": timestamp(started.execution.start_date)}


async def start(
    api: AwsApi,
    ref: StateMachineRef,
    name: str,
    input: Any,
    *,
    require_type: str | None = None,
) -> tuple[Started, catalog.Machine]:
    """Start `name` on what `ref` names; a published version or an alias's pick is recorded as
    the execution's origin (DescribeExecution shows it). `require_type`: refuse a machine of
    another type (StateMachineTypeNotSupported)."""
    origin = None  # None: the machine's current definition
    async with api.sessions() as session:
        machine = await machine_or_error(api, session, ref.name)
        if require_type is not None and machine.type != require_type:
            raise AwsError(
                "StateMachineTypeNotSupported",
                f"This operation is not supported by {machine.type} state machines",
            )
        published = ref.version
        if ref.alias is not None:
            published, _ = await aliases.version_for_start(api, session, ref)
        if published is not None:
            version = await catalog.find_version(session, ref.name, published)
            if version is None:
                raise state_machine_does_not_exist(
                    api.arns.state_machine_version(ref.name, published)
                )
            origin = version
    try:
        started = await api.orchestrator.start_execution(
            ref.name, name, input, version=origin.revision if origin else None
        )
    except OrchestratorError as exc:
        raise from_orchestrator(exc) from None
    if origin is not None and started.created:
        async with api.sessions() as session, session.begin():
            await alias_catalog.record_origin(
                session, started.execution.execution_id, origin.version, ref.alias
            )
    return started, machine


def redrive_status(row: ExecutionRow) -> str:
    return "REDRIVABLE" if row.status in REDRIVABLE else "NOT_REDRIVABLE"


async def describe_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    row = await execution_or_error(api, request.get("executionArn"))
    async with api.sessions() as session:
        express = await catalog.is_express(session, row.state_machine_name)
        origin = await alias_catalog.find_origin(session, row.execution_id)
    described: dict[str, Any] = {
        "executionArn": api.arns.execution(row.execution_id, express=express),
        "stateMachineArn": api.arns.state_machine(row.state_machine_name),
        "name": row.name,
        "status": row.status,
        "startDate": timestamp(row.start_date),
        "input": json_text(row.input),
        "inputDetails": {"included": True},
        "redriveCount": row.redrive_count,
        "redriveStatus": redrive_status(row),
    }
    if row.stop_date is not None:
        described["stopDate"] = timestamp(row.stop_date)
    if row.status == "SUCCEEDED":
        described["output"] = json_text(row.output)
        described["outputDetails"] = {"included": True}
    if row.error is not None:
        described["error"] = row.error
    if row.cause is not None:
        described["cause"] = row.cause
    if origin is not None:
        described["stateMachineVersionArn"] = api.arns.state_machine_version(
            row.state_machine_name, origin.version
        )
        if origin.alias is not None:
            described["stateMachineAliasArn"] = api.arns.state_machine_alias(
                row.state_machine_name, origin.alias
            )
    if row.status not in REDRIVABLE:
        described["redriveStatusReason"] = f"Execution is {row.status} and cannot be redriven"
    return described


async def list_executions(api: AwsApi, request: Request) -> dict[str, Any]:
    if request.get("mapRunArn") is not None:
        raise validation("listing a Map Run's executions is not supported here yet")
    # A version's or an alias's ARN lists the executions started with it, as AWS.
    ref = api.arns.parse_state_machine(request.get("stateMachineArn"), allow_alias=True)
    status = request.text("statusFilter")
    if status is not None and status not in STATUSES:
        raise validation(f"'statusFilter' must be one of {', '.join(STATUSES)}")
    redrive_filter = request.text("redriveFilter")
    if redrive_filter not in (None, *REDRIVE_FILTERS):
        raise validation(f"'redriveFilter' must be one of {', '.join(REDRIVE_FILTERS)}")
    redriven = None if redrive_filter is None else redrive_filter == "REDRIVEN"
    limit, cursor = request.page_size(), request.next_token("ListExecutions")
    async with api.sessions() as session:
        machine = await machine_or_error(api, session, ref.name)
        if status == "PENDING_REDRIVE":  # a redrive here is applied at once: never pending
            rows: list[Any] = []
            next_cursor = None
        else:
            try:
                rows, next_cursor = await queries.list_executions(
                    session,
                    ref.name,
                    status,
                    limit,
                    cursor,
                    redriven=redriven,
                    version=ref.version,
                    alias=ref.alias,
                )
            except ValueError:  # a token of ours whose cursor is not: someone made it up
                raise AwsError("InvalidToken", "Invalid Token") from None
    express = machine.type == "EXPRESS"
    listed = [_listed(api, row, express) for row in rows]
    return page("executions", listed, "ListExecutions", next_cursor)


def _listed(api: AwsApi, row: Any, express: bool) -> dict[str, Any]:
    listed = {
        "executionArn": api.arns.execution(row.execution_id, express=express),
        "stateMachineArn": api.arns.state_machine(row.state_machine_name),
        "name": row.name,
        "status": row.status,
        "startDate": timestamp(row.start_date),
        "redriveCount": row.redrive_count,
    }
    if row.stop_date is not None:
        listed["stopDate"] = timestamp(row.stop_date)
    return listed


async def stop_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    row = await execution_or_error(api, request.get("executionArn"))
    error = request.text("error", max_length=256)
    cause = request.text("cause", max_length=32_768)
    try:
        stopped = await api.orchestrator.stop(row.execution_id, error, cause)
    except OrchestratorError as exc:
        raise from_orchestrator(exc) from None
    return {"stopDate": timestamp(stopped.stop_date or datetime.now(UTC))}


async def redrive_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    row = await execution_or_error(api, request.get("executionArn"))
    request.text("clientToken", max_length=64)
    try:
        await api.orchestrator.redrive(row.execution_id)
    except OrchestratorError as exc:
        raise from_orchestrator(exc) from None
    return {"redriveDate": timestamp(datetime.now(UTC))}


OPERATIONS: dict[str, Operation] = {
    "StartExecution": start_execution,
    "DescribeExecution": describe_execution,
    "ListExecutions": list_executions,
    "GetExecutionHistory": history.get_execution_history,
    "StopExecution": stop_execution,
    "RedriveExecution": redrive_execution,
}
