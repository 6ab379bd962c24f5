"""State machine operations over the registry's revisions (orchestrator.registry) and AWS's
attributes and published versions (catalog).

A definition sent to Create/UpdateStateMachine becomes the registry's next revision of the name
(no new revision when unchanged), which new executions run; PublishStateMachineVersion numbers a
revision as version N. An EXPRESS machine runs on the same engine as a STANDARD one (its
executions are stored and described alike); StartSyncExecution (sync.py) is for EXPRESS only."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator import engine
from orchestrator.aws_api import activities, alias_catalog, catalog
from orchestrator.aws_api.arns import check_name
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError, state_machine_does_not_exist, validation
from orchestrator.aws_api.lookups import execution_or_error, machine_or_error
from orchestrator.aws_api.shapes import (
    Request,
    json_text,
    page,
    parse_json_text,
    timestamp,
)
from orchestrator.registry import StateMachineVersion, definition_hash

MAX_DEFINITION = 1_048_576
MACHINE_TYPES = ("STANDARD", "EXPRESS")


def revision_id(revision: StateMachineVersion) -> str:
    return definition_hash(revision.definition)


def read_definition(api: AwsApi, request: Request) -> dict[str, Any]:
    """The request's definition as the engine runs it (activity ARNs as their queues)."""
    text = request.required_text("definition", max_length=MAX_DEFINITION)
    definition = parse_json_text(text, "InvalidDefinition", "State Machine Definition")
    if not isinstance(definition, dict):
        raise AwsError("InvalidDefinition", "Invalid State Machine Definition: not an object")
    return activities.to_engine_resources(definition, api.arns)


def definition_text(api: AwsApi, revision: StateMachineVersion) -> str:
    """A stored definition as AWS shows it (activity ARNs, not their queues)."""
    return json_text(activities.to_activity_arns(revision.definition, api.arns))


def read_type(request: Request) -> str:
    machine_type = request.text("type") or "STANDARD"
    if machine_type not in MACHINE_TYPES:
        raise validation(f"'type' must be one of {', '.join(MACHINE_TYPES)}")
    return str(machine_type)


def read_version_description(request: Request, publish: bool) -> str | None:
    description = request.text("versionDescription", max_length=256)
    if description is not None and not publish:
        raise validation("'versionDescription' can only be set when 'publish' is true")
    return description


async def register(
    api: AwsApi, session: AsyncSession, name: str, definition: dict[str, Any]
) -> StateMachineVersion:
    try:
        return await api.registry.register(session, name, definition)
    except engine.DefinitionError as exc:
        raise AwsError(
            "InvalidDefinition", "Invalid State Machine Definition: " + "; ".join(exc.problems)
        ) from None


# ---- operations ------------------------------------------------------------------------------


async def create_state_machine(api: AwsApi, request: Request) -> dict[str, Any]:
    name = check_name(request.required_text("name"))
    definition = read_definition(api, request)
    role_arn = request.required_text("roleArn", max_length=256)
    machine_type = read_type(request)
    tags = request.tags()
    publish = request.flag("publish")
    description = read_version_description(request, publish)
    arn = api.arns.state_machine(name)
    async with api.sessions() as session, session.begin():
        existing = await catalog.find_machine(session, api.registry, name)
        if existing is not None:
            # The same request again is idempotent (AWS ignores a changed role or tags then);
            # another definition under the name is not.
            if (
                revision_id(existing.current) != definition_hash(definition)
                or existing.type != machine_type
            ):
                raise AwsError(
                    "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                )
            revision, created = existing.current, existing.created_at
        else:
            revision = await register(api, session, name, definition)
            created = await catalog.save_attributes(session, name, role_arn, machine_type)
            await catalog.put_tags(session, arn, tags)
        response: dict[str, Any] = {"stateMachineArn": arn, "creationDate": timestamp(created)}
        if publish:
            version = await catalog.publish(session, name, revision.version, description)
            response["stateMachineVersionArn"] = api.arns.state_machine_version(
                name, version.version
            )
    return response


async def update_state_machine(api: AwsApi, request: Request) -> dict[str, Any]:
    ref = api.arns.parse_state_machine(request.get("stateMachineArn"), allow_version=False)
    role_arn = request.text("roleArn", max_length=256)
    has_definition = request.get("definition") is not None
    if not has_definition and role_arn is None:
        raise AwsError(
            "MissingRequiredParameter", "Either the definition or the roleArn must be specified"
        )
    publish = request.flag("publish")
    description = read_version_description(request, publish)
    definition = read_definition(api, request) if has_definition else None
    async with api.sessions() as session, session.begin():
        revision = (await machine_or_error(api, session, ref.name)).current
        if definition is not None:
            revision = await register(api, session, ref.name, definition)
        updated = await catalog.mark_updated(session, ref.name, role_arn)
        response: dict[str, Any] = {
            "updateDate": timestamp(updated),
            "revisionId": revision_id(revision),
        }
        if publish:
            version = await catalog.publish(session, ref.name, revision.version, description)
            response["stateMachineVersionArn"] = api.arns.state_machine_version(
                ref.name, version.version
            )
    return response


def _described(
    api: AwsApi, arn: str, machine: catalog.Machine, revision: StateMachineVersion
) -> dict[str, Any]:
    return {
        "stateMachineArn": arn,
        "name": machine.name,
        "status": "ACTIVE",
        "definition": definition_text(api, revision),
        "roleArn": machine.role_arn or api.default_role_arn,
        "type": machine.type,
        "creationDate": timestamp(machine.created_at),
        "loggingConfiguration": {"level": "OFF", "includeExecutionData": False},
        "tracingConfiguration": {"enabled": False},
        "revisionId": revision_id(revision),
    }


async def describe_state_machine(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("stateMachineArn")
    ref = api.arns.parse_state_machine(arn)
    async with api.sessions() as session:
        machine = await machine_or_error(api, session, ref.name)
        if ref.version is None:
            return _described(api, arn, machine, machine.current)
        version = await catalog.find_version(session, ref.name, ref.version)
        if version is None:
            raise state_machine_does_not_exist(arn)
        revision = await api.registry.get(session, ref.name, version.revision)
    described = _described(api, arn, machine, revision)
    described["creationDate"] = timestamp(version.created_at)
    if version.description is not None:
        described["description"] = version.description
    return described


async def describe_state_machine_for_execution(api: AwsApi, request: Request) -> dict[str, Any]:
    row = await execution_or_error(api, request.get("executionArn"))
    async with api.sessions() as session:
        revision = await api.registry.get(
            session, row.state_machine_name, row.state_machine_version
        )
        machine = await catalog.find_machine(session, api.registry, row.state_machine_name)
    return {
        "stateMachineArn": api.arns.state_machine(row.state_machine_name),
        "name": row.state_machine_name,
        "definition": definition_text(api, revision),
        "roleArn": (machine.role_arn if machine else None) or api.default_role_arn,
        "updateDate": timestamp(revision.created_at),
        "revisionId": revision_id(revision),
    }


async def list_state_machines(api: AwsApi, request: Request) -> dict[str, Any]:
    limit, after = request.page_size(), request.next_token("ListStateMachines")
    async with api.sessions() as session:
        machines, more = await catalog.list_machines(session, api.registry, after, limit)
    listed = [
        {
            "stateMachineArn": api.arns.state_machine(machine.name),
            "name": machine.name,
            "type": machine.type,
            "creationDate": timestamp(machine.created_at),
        }
        for machine in machines
    ]
    return page("stateMachines", listed, "ListStateMachines", machines[-1].name if more else None)


async def delete_state_machine(api: AwsApi, request: Request) -> dict[str, Any]:
    """Hides the machine, its versions and tags; running executions go on (as AWS lets them).
    Deleting one that does not exist succeeds, as AWS."""
    arn = request.required_text("stateMachineArn")
    ref = api.arns.parse_state_machine(arn)
    if ref.version is not None:
        raise validation("use DeleteStateMachineVersion to delete a version")
    async with api.sessions() as session, session.begin():
        if await catalog.find_machine(session, api.registry, ref.name) is not None:
            await catalog.mark_deleted(session, ref.name, arn)
            await alias_catalog.delete_aliases(session, ref.name, None)
    return {}


async def publish_state_machine_version(api: AwsApi, request: Request) -> dict[str, Any]:
    ref = api.arns.parse_state_machine(request.get("stateMachineArn"), allow_version=False)
    expected_revision = request.text("revisionId")
    description = request.text("description", max_length=256)
    async with api.sessions() as session, session.begin():
        current = (await machine_or_error(api, session, ref.name)).current
        if expected_revision is not None and expected_revision != revision_id(current):
            raise AwsError(
                "ConflictException",
                f"revisionId {expected_revision} is not the state machine's current revision",
            )
        version = await catalog.publish(session, ref.name, current.version, description)
    return {
        "creationDate": timestamp(version.created_at),
        "stateMachineVersionArn": api.arns.state_machine_version(ref.name, version.version),
    }


async def list_state_machine_versions(api: AwsApi, request: Request) -> dict[str, Any]:
    ref = api.arns.parse_state_machine(request.get("stateMachineArn"), allow_version=False)
    limit, before = request.page_size(), request.next_token("ListStateMachineVersions")
    async with api.sessions() as session:
        await machine_or_error(api, session, ref.name)
        versions, more = await catalog.list_versions(session, ref.name, before, limit)
    listed = [
        {
            "stateMachineVersionArn": api.arns.state_machine_version(ref.name, v.version),
            "creationDate": timestamp(v.created_at),
        }
        for v in versions
    ]
    last = versions[-1].version if more else None
    return page("stateMachineVersions", listed, "ListStateMachineVersions", last)


async def delete_state_machine_version(api: AwsApi, request: Request) -> dict[str, Any]:
    """Deleting a version that does not exist succeeds, as AWS."""
    arn = request.required_text("stateMachineVersionArn")
    ref = api.arns.parse_state_machine(arn)
    if ref.version is None:
        raise validation(f"'{arn}' is not a state machine version ARN")
    async with api.sessions() as session, session.begin():
        routed_by = await alias_catalog.aliases_routing_to(session, ref.name, ref.version)
        if routed_by:
            raise AwsError(
                "ConflictException",
                f"Version {ref.version} is routed to by the alias(es) {', '.join(routed_by)}",
            )
        await catalog.delete_version(session, ref.name, ref.version)
    return {}


async def validate_state_machine_definition(api: AwsApi, request: Request) -> dict[str, Any]:
    text = request.required_text("definition", max_length=MAX_DEFINITION)
    read_type(request)
    try:
        definition = parse_json_text(text, "InvalidDefinition", "definition")
    except AwsError as exc:
        problems = [("INVALID_JSON_DESCRIPTION", exc.message)]
    else:
        if isinstance(definition, dict):
            definition = activities.to_engine_resources(definition, api.arns)
            problems = [("SCHEMA_VALIDATION_FAILED", p) for p in api.registry.validate(definition)]
        else:
            problems = [("SCHEMA_VALIDATION_FAILED", "the definition must be a JSON object")]
    limit = request.page_size()
    return {
        "result": "FAIL" if problems else "OK",
        "diagnostics": [
            {"severity": "ERROR", "code": code, "message": message}
            for code, message in problems[:limit]
        ],
        "truncated": len(problems) > limit,
    }


OPERATIONS: dict[str, Operation] = {
    "CreateStateMachine": create_state_machine,
    "UpdateStateMachine": update_state_machine,
    "DescribeStateMachine": describe_state_machine,
    "DescribeStateMachineForExecution": describe_state_machine_for_execution,
    "ListStateMachines": list_state_machines,
    "DeleteStateMachine": delete_state_machine,
    "PublishStateMachineVersion": publish_state_machine_version,
    "ListStateMachineVersions": list_state_machine_versions,
    "DeleteStateMachineVersion": delete_state_machine_version,
    "ValidateStateMachineDefinition": validate_state_machine_definition,
}
