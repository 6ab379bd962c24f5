"""TagResource / UntagResource / ListTagsForResource on state machines and activities."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orchestrator.aws_api import catalog
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError, resource_not_found
from orchestrator.aws_api.shapes import Request
from orchestrator.tables import aws_activities

MAX_TAGS = 50  # AWS's limit per resource


async def _taggable(api: AwsApi, session: Any, arn: str) -> None:
    """ResourceNotFound unless `arn` names an existing state machine (not a version) or
    activity."""
    if arn.startswith(f"{api.arns.prefix}:activity:"):
        found = await session.scalar(
            select(aws_activities.c.name).where(
                aws_activities.c.name == api.arns.parse_activity(arn)
            )
        )
    else:
        ref = api.arns.parse_state_machine(arn, allow_version=False)
        found = await catalog.find_machine(session, api.registry, ref.name)
    if found is None:
        raise resource_not_found(arn)


async def tag_resource(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("resourceArn")
    tags = request.tags()
    async with api.sessions() as session, session.begin():
        await _taggable(api, session, arn)
        existing = await catalog.list_tags(session, arn)
        if len(existing | tags) > MAX_TAGS:
            raise AwsError(
                "TooManyTags", f"Too many tags: a resource has at most {MAX_TAGS}", status=400
            )
        await catalog.put_tags(session, arn, tags)
    return {}


async def untag_resource(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("resourceArn")
    keys = request.get("tagKeys")
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise AwsError("ValidationException", "'tagKeys' must be a list of strings")
    async with api.sessions() as session, session.begin():
        await _taggable(api, session, arn)
        await catalog.delete_tags(session, arn, keys)
    return {}


async def list_tags_for_resource(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("resourceArn")
    async with api.sessions() as session:
        await _taggable(api, session, arn)
        tags = await catalog.list_tags(session, arn)
    return {"tags": [{"key": key, "value": value} for key, value in tags.items()]}


OPERATIONS: dict[str, Operation] = {
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
