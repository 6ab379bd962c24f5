"""Activities: a Task whose `Resource` is an activity's ARN is done by a worker anywhere that
polls GetActivityTask and answers with SendTask*.

The engine knows one kind of Task, `rabbitmq:<queue>`; an activity is that kind with the queue
`activity.<name>`. Definitions coming in through this API have activity ARNs rewritten to that
resource, and going out rewritten back. GetActivityTask takes the next command from the queue
(acknowledged as it is handed out: a worker that takes a task and dies leaves it to the Task's
TimeoutSeconds or HeartbeatSeconds, as on AWS)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from orchestrator.aws_api import catalog
from orchestrator.aws_api.arns import Arns, check_name
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError
from orchestrator.aws_api.shapes import Request, json_text, page, timestamp
from orchestrator.tables import aws_activities

QUEUE_PREFIX = "activity."
RESOURCE_PREFIX = f"rabbitmq:{QUEUE_PREFIX}"
POLL_INTERVAL_SECONDS = 0.2


def queue_of(name: str) -> str:
    return f"{QUEUE_PREFIX}{name}"


def _rewrite(node: Any, resource: Any) -> Any:
    """`node` with `resource(value)` applied to the Resource of every Task in it, at any depth
    (Parallel branches, Map processors)."""
    if isinstance(node, list):
        return [_rewrite(item, resource) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _rewrite(value, resource) for key, value in node.items()}
    if out.get("Type") == "Task" and isinstance(out.get("Resource"), str):
        out["Resource"] = resource(out["Resource"])
    return out


def to_engine_resources(definition: dict[str, Any], arns: Arns) -> dict[str, Any]:
    """Activity ARNs of this region and account as the queue resource the engine runs."""
    head = f"{arns.prefix}:activity:"

    def resource(value: str) -> str:
        return RESOURCE_PREFIX + value[len(head) :] if value.startswith(head) else value

    rewritten: dict[str, Any] = _rewrite(definition, resource)
    return rewritten


def to_activity_arns(definition: dict[str, Any], arns: Arns) -> dict[str, Any]:
    def resource(value: str) -> str:
        if value.startswith(RESOURCE_PREFIX):
            return arns.activity(value[len(RESOURCE_PREFIX) :])
        return value

    rewritten: dict[str, Any] = _rewrite(definition, resource)
    return rewritten


async def _find(api: AwsApi, name: str) -> Any:
    async with api.sessions() as session:
        return (
            await session.execute(select(aws_activities).where(aws_activities.c.name == name))
        ).first()


async def _activity_or_error(api: AwsApi, arn: object) -> Any:
    found = await _find(api, api.arns.parse_activity(arn))
    if found is None:
        raise AwsError("ActivityDoesNotExist", f"Activity Does Not Exist: '{arn}'")
    return found


def _described(api: AwsApi, row: Any) -> dict[str, Any]:
    return {
        "activityArn": api.arns.activity(row.name),
        "name": row.name,
        "creationDate": timestamp(row.created_at),
    }


async def create_activity(api: AwsApi, request: Request) -> dict[str, Any]:
    """Idempotent, as AWS: creating an existing activity returns it."""
    name = check_name(request.required_text("name"))
    tags = request.tags()
    async with api.sessions() as session, session.begin():
        await session.execute(
            insert(aws_activities)
            .values(name=name, created_at=datetime.now(UTC))
            .on_conflict_do_nothing()
        )
        await catalog.put_tags(session, api.arns.activity(name), tags)
    await api.broker.declare(queue_of(name))  # Tasks may be scheduled before a worker polls
    described = _described(api, await _find(api, name))
    return {"activityArn": described["activityArn"], "creationDate": described["creationDate"]}


async def describe_activity(api: AwsApi, request: Request) -> dict[str, Any]:
    return _described(api, await _activity_or_error(api, request.get("activityArn")))


async def list_activities(api: AwsApi, request: Request) -> dict[str, Any]:
    limit, after = request.page_size(), request.next_token("ListActivities")
    query = select(aws_activities).order_by(aws_activities.c.name).limit(limit + 1)
    if after is not None:
        query = query.where(aws_activities.c.name > after)
    async with api.sessions() as session:
        rows = (await session.execute(query)).all()
    more = len(rows) > limit
    activities = [_described(api, row) for row in rows[:limit]]
    return page("activities", activities, "ListActivities", rows[limit - 1].name if more else None)


async def delete_activity(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("activityArn")
    name = api.arns.parse_activity(arn)
    async with api.sessions() as session, session.begin():
        await session.execute(delete(aws_activities).where(aws_activities.c.name == name))
        await catalog.delete_tags(session, arn, None)
    return {}


async def get_activity_task(api: AwsApi, request: Request) -> dict[str, Any]:
    """The next task of the activity, waiting up to the poll time (60 s, as AWS) for one; none
    is an empty answer. Stops waiting when the worker hangs up, so no task goes to no one."""
    activity = await _activity_or_error(api, request.get("activityArn"))
    request.text("workerName", max_length=80)
    queue = await api.broker.declare(queue_of(activity.name))
    deadline = asyncio.get_running_loop().time() + api.activity_poll_seconds
    while not await request.client_gone():
        message = await queue.get(no_ack=True, fail=False)
        if message is not None:
            return {"taskToken": message.message_id, "input": json_text(json.loads(message.body))}
        if asyncio.get_running_loop().time() >= deadline:
            break
        await asyncio.sleep(POLL_INTERVAL_SECONDS)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateActivity": create_activity,
    "DescribeActivity": describe_activity,
    "ListActivities": list_activities,
    "DeleteActivity": delete_activity,
    "GetActivityTask": get_activity_task,
}
