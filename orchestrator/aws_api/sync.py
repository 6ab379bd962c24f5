"""StartSyncExecution: start an EXPRESS machine's execution and answer with its result.

The execution runs as any other (the engine and its transitions are untouched); this request
only watches its row, at an interval that grows from 20 ms to 250 ms, until it ends, the client
hangs up, or AWS's 5 minutes (AWS_SYNC_EXECUTION_SECONDS) pass: then the execution is stopped
and the answer is TIMED_OUT, as an EXPRESS execution that outlives its 5 minutes is on AWS."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from typing import Any

from orchestrator.aws_api.arns import check_name
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError, from_orchestrator, validation
from orchestrator.aws_api.executions import MAX_PAYLOAD, start
from orchestrator.aws_api.shapes import Request, json_text, parse_json_text, timestamp
from orchestrator.errors import OrchestratorError
from orchestrator.executions import ExecutionRow

FIRST_POLL_SECONDS = 0.02
LONGEST_POLL_SECONDS = 0.25
TIMEOUT_ERROR = "States.Timeout"
# AWS bills an EXPRESS execution in 100 ms steps of at least 64 MB; we report the same shape.
BILLING_STEP_MS = 100
BILLED_MEMORY_MB = 64
INCLUDED_DATA = ("ALL_DATA", "METADATA_ONLY")


async def start_sync_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("stateMachineArn")
    ref = api.arns.parse_state_machine(arn, allow_alias=True)
    name = check_name(request.text("name") or str(uuid.uuid4()))
    text = request.text("input", max_length=MAX_PAYLOAD) or "{}"
    input = parse_json_text(text, "InvalidExecutionInput", "execution input")
    trace_header = request.text("traceHeader", max_length=256)
    included = request.text("includedData") or "ALL_DATA"
    if included not in INCLUDED_DATA:
        raise validation(f"'includedData' must be one of {', '.join(INCLUDED_DATA)}")
    started, machine = await start(api, ref, name, input, require_type="EXPRESS")
    execution_arn = api.arns.execution(started.execution.execution_id, express=True)
    if not started.created and started.execution.status != "RUNNING":
        raise AwsError("ExecutionAlreadyExists", f"Execution Already Exists: '{execution_arn}'")
    row, timed_out = await _wait_until_ended(api, request, started.execution)
    answer = _result(api, row, timed_out, with_data=included == "ALL_DATA")
    answer["stateMachineArn"] = api.arns.state_machine(machine.name)
    if trace_header is not None:
        answer["traceHeader"] = trace_header
    return answer


async def _wait_until_ended(
    api: AwsApi, request: Request, row: ExecutionRow
) -> tuple[ExecutionRow, bool]:
    """The execution's row once it has ended; (row, True) if it was stopped for running too
    long. A client that hangs up stops the wait, not the execution."""
    deadline = time.monotonic() + api.sync_execution_seconds
    interval = FIRST_POLL_SECONDS
    while row.status == "RUNNING":
        if time.monotonic() >= deadline:
            cause = f"The execution ran longer than {api.sync_execution_seconds:g} seconds"
            try:
                return await api.orchestrator.stop(row.execution_id, TIMEOUT_ERROR, cause), True
            except OrchestratorError as exc:
                raise from_orchestrator(exc) from None
        if await request.client_gone():
            break
        await asyncio.sleep(interval)
        interval = min(interval * 2, LONGEST_POLL_SECONDS)
        row = await api.orchestrator.describe(row.execution_id)
    return row, False


def _result(api: AwsApi, row: ExecutionRow, timed_out: bool, *, with_data: bool) -> dict[str, Any]:
    """The answer; without data (METADATA_ONLY) it leaves out the input and output."""
    status = "TIMED_OUT" if timed_out else row.status
    answer: dict[str, Any] = {
        "executionArn": api.arns.execution(row.execution_id, express=True),
        "name": row.name,
        "startDate": timestamp(row.start_date),
        "status": status,
        "inputDetails": {"included": with_data},
    }
    if with_data:
        answer["input"] = json_text(row.input)
    if row.stop_date is not None:
        answer["stopDate"] = timestamp(row.stop_date)
        elapsed_ms = (row.stop_date - row.start_date).total_seconds() * 1000
        steps = max(1, math.ceil(elapsed_ms / BILLING_STEP_MS))
        answer["billingDetails"] = {
            "billedMemoryUsedInMB": BILLED_MEMORY_MB,
            "billedDurationInMilliseconds": steps * BILLING_STEP_MS,
        }
    if status == "SUCCEEDED":
        answer["outputDetails"] = {"included": with_data}
        if with_data:
            answer["output"] = json_text(row.output)
    if row.error is not None:
        answer["error"] = row.error
    if row.cause is not None:
        answer["cause"] = row.cause
    return answer


OPERATIONS: dict[str, Operation] = {"StartSyncExecution": start_sync_execution}
