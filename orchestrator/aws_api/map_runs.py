"""ListMapRuns and DescribeMapRun from an execution's history, and Map Run ARNs as AWS forms
them.

A DISTRIBUTED Map writes MapRunStarted (with its `mapRunArn`) and, when the run ends,
MapRunSucceeded or MapRunFailed, whose previousEventId is the MapRunStarted's id (the Map's
iterations are quiet threads, so nothing comes between in its thread). The engine forms the ARN
without region and account (an execution's id is not an ARN there); they are put in here.

Each of those events also carries the engine's own figures of the run (MAP_RUN_FIGURES, left out
of AWS's event shapes): the evaluated MaxConcurrency and tolerated failures and the number of
items when it started, the items' outcomes when it ended. While it runs, its counters are the
Map's fan-out part of the execution's state. Migration 0006 indexes MapRunStarted events by ARN,
so DescribeMapRun finds its execution without a scan."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import invalid_arn, resource_not_found
from orchestrator.aws_api.lookups import execution_arn, execution_or_error
from orchestrator.aws_api.shapes import Request, page, timestamp
from orchestrator.engine.records import MAP_RUN_FIGURES
from orchestrator.tables import execution_parts, history_events

ENGINE_PREFIX = "arn:aws:states:::mapRun:"  # orchestrator.engine.states.map_
ENDS = ("MapRunSucceeded", "MapRunFailed", "MapRunAborted")


def map_run_arn(arns: Arns, stored: str) -> str:
    """A stored mapRunArn with this API's region and account."""
    if stored.startswith(ENGINE_PREFIX):
        return f"{arns.prefix}:mapRun:{stored.removeprefix(ENGINE_PREFIX)}"
    return stored


def stored_map_run_arn(arns: Arns, arn: str) -> str:
    """The engine's form of a Map Run ARN of this region and account (InvalidArn otherwise)."""
    head = f"{arns.prefix}:mapRun:"
    rest = arn.removeprefix(head)
    if rest == arn or "/" not in rest or ":" not in rest.split("/", 1)[1]:
        raise invalid_arn(arn)
    return ENGINE_PREFIX + rest


def _map_run_state_machine(arns: Arns, arn: str) -> str:
    """AWS's stateMachineArn of a Map Run: `...:stateMachine:<machine>/<label>`."""
    machine_and_label = arn.split(":mapRun:", 1)[1].rsplit(":", 1)[0]
    return arns.state_machine(machine_and_label)


async def list_map_runs(api: AwsApi, request: Request) -> dict[str, Any]:
    asked_arn = request.required_text("executionArn")
    row = await execution_or_error(api, asked_arn)
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
            "executionArn": asked_arn,
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


# Uses ix_history_map_run_arn (migration 0006): the type is a literal so that the partial
# index's predicate is seen to hold.
_STARTED_BY_ARN = text(
    "SELECT execution_id, event_id, timestamp, details FROM orchestrator.history_events"
    " WHERE type = 'MapRunStarted' AND details->>'mapRunArn' = :arn"
)


async def describe_map_run(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("mapRunArn", max_length=2000)
    stored = stored_map_run_arn(api.arns, arn)
    async with api.sessions() as session:
        started = (await session.execute(_STARTED_BY_ARN, {"arn": stored})).first()
        if started is None:
            raise resource_not_found(arn)
        end = (
            await session.execute(
                select(history_events).where(
                    history_events.c.execution_id == started.execution_id,
                    history_events.c.previous_event_id == started.event_id,
                    history_events.c.type.in_(ENDS),
                )
            )
        ).first()
        figures: dict[str, Any] = started.details.get(MAP_RUN_FIGURES) or {}
        live = None
        if end is None and figures.get("fanout"):
            live = await session.scalar(
                select(execution_parts.c.value).where(
                    execution_parts.c.execution_id == started.execution_id,
                    execution_parts.c.key == figures["fanout"],
                )
            )
    execution = await api.orchestrator.describe(started.execution_id)
    total = int(figures.get("total", 0))
    if end is not None:
        status = {"MapRunSucceeded": "SUCCEEDED", "MapRunFailed": "FAILED"}.get(end.type, "ABORTED")
        stop_date = end.timestamp
        ended = end.details.get(MAP_RUN_FIGURES) or {}
        counts = _item_counts(
            total,
            succeeded=int(ended.get("succeeded", 0)),
            failed=int(ended.get("failed", 0)),
            aborted=int(ended.get("aborted", 0)),
        )
    elif execution.status == "RUNNING":
        status, stop_date = "RUNNING", None
        counts = _live_counts(total, live)
    else:  # the run ended with its execution (stopped, timed out, failed elsewhere)
        status, stop_date = "ABORTED", execution.stop_date
        counts = _live_counts(total, live)
        counts["aborted"] += counts["running"] + counts["pending"]
        counts["running"] = counts["pending"] = 0
    described: dict[str, Any] = {
        "mapRunArn": arn,
        "executionArn": await execution_arn(
            api, started.execution_id, execution.state_machine_name
        ),
        "status": status,
        "startDate": timestamp(started.timestamp),
        "maxConcurrency": int(figures.get("maxConcurrency", 0)),
        "toleratedFailurePercentage": float(figures.get("toleratedFailurePercentage", 0)),
        "toleratedFailureCount": int(figures.get("toleratedFailureCount", 0)),
        "itemCounts": counts,
        # Each item of a run is one child execution here as in AWS.
        "executionCounts": dict(counts),
        "redriveCount": 0,
    }
    if stop_date is not None:
        described["stopDate"] = timestamp(stop_date)
    return described


def _item_counts(
    total: int,
    *,
    succeeded: int = 0,
    failed: int = 0,
    aborted: int = 0,
    running: int = 0,
    pending: int = 0,
) -> dict[str, int]:
    """AWS's MapRunItemCounts: every field, as AWS always returns them all."""
    return {
        "pending": pending,
        "running": running,
        "succeeded": succeeded,
        "failed": failed,
        "timedOut": 0,
        "aborted": aborted,
        "total": total,
        "resultsWritten": 0,  # no ResultWriter: nothing is written to S3 here
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    }


def _live_counts(total: int, counters: dict[str, Any] | None) -> dict[str, int]:
    """A running run's counts from the Map's fan-out counters (none yet: all pending)."""
    if counters is None:
        return _item_counts(total, pending=total)
    done, failed = counters["done"], counters["failed"]
    return _item_counts(
        total,
        pending=counters["length"] - counters["started"],
        running=counters["running"],
        succeeded=done - failed,
        failed=failed,
    )


OPERATIONS: dict[str, Operation] = {
    "ListMapRuns": list_map_runs,
    "DescribeMapRun": describe_map_run,
}
