"""ListMapRuns from an execution's history, and Map Run ARNs as AWS forms them.

A DISTRIBUTED Map writes MapRunStarted (with its `mapRunArn`) and, when the run ends,
MapRunSucceeded or MapRunFailed, whose previousEventId is the MapRunStarted's id (the Map's
iterations are quiet threads, so nothing comes between in its thread). The engine forms the ARN
without region and account (an execution's id is not an ARN there); they are put in here.

DescribeMapRun is not here: the engine keeps a run's item counts and its evaluated
MaxConcurrency and tolerated failures only while the run goes on (in a transient part), not
after it ends, and no index finds an execution by a Map Run's ARN."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.lookups import execution_or_error
from orchestrator.aws_api.shapes import Request, page, timestamp
from orchestrator.tables import history_events

ENGINE_PREFIX = "arn:aws:states:::mapRun:"  # orchestrator.engine.states.map_
ENDS = ("MapRunSucceeded", "MapRunFailed", "MapRunAborted")


def map_run_arn(arns: Arns, stored: str) -> str:
    """A stored mapRunArn with this API's region and account."""
    if stored.startswith(ENGINE_PREFIX):
        return f"{arns.prefix}:mapRun:{stored.removeprefix(ENGINE_PREFIX)}"
    return stored


def _map_run_state_machine(arns: Arns, arn: str) -> str:
    """AWS's stateMachineArn of a Map Run: `...:stateMachine:<machine>/<label>`."""
    machine_and_label = arn.split(":mapRun:", 1)[1].rsplit(":", 1)[0]
    return arns.state_machine(machine_and_label)


async def list_map_runs(api: AwsApi, request: Request) -> dict[str, Any]:
    execution_arn = request.required_text("executionArn")
    row = await execution_or_error(api, execution_arn)
    limit, after = request.page_size(), request.next_token("ListMapRuns")
    query = (
        select(history_events)
        .where(
            history_events.c.execution_id == row.execution_id,
            history_events.c.type.in_(("MapRunStarted", *ENDS)),
        )
        .order_by(history_events.c.event_id)
    )
    async with api.sessions() as session:
        events = (await session.execute(query)).all()
    ended = {e.previous_event_id: e.timestamp for e in events if e.type in ENDS}
    started = [
        e for e in events if e.type == "MapRunStarted" and (after is None or e.event_id > after)
    ]
    runs = []
    for event in started[:limit]:
        arn = map_run_arn(api.arns, event.details["mapRunArn"])
        run: dict[str, Any] = {
            "executionArn": execution_arn,
            "mapRunArn": arn,
            "stateMachineArn": _map_run_state_machine(api.arns, arn),
            "startDate": timestamp(event.timestamp),
        }
        # A run that did not end itself ended with its execution.
        stopped = ended.get(event.event_id, row.stop_date)
        if stopped is not None:
            run["stopDate"] = timestamp(stopped)
        runs.append(run)
    more = len(started) > limit
    return page("mapRuns", runs, "ListMapRuns", started[limit - 1].event_id if more else None)


OPERATIONS: dict[str, Operation] = {"ListMapRuns": list_map_runs}
