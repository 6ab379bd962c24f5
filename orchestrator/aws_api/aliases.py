"""Alias operations: an alias names one or two published versions with weights (AWS's
routingConfiguration), and StartExecution of the alias's ARN runs one of them, picked by weight,
as AWS does for canary releases (alias_catalog)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.aws_api import alias_catalog, catalog
from orchestrator.aws_api.alias_catalog import Alias, Route
from orchestrator.aws_api.arns import StateMachineRef, check_name
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import (
    AwsError,
    resource_not_found,
    state_machine_does_not_exist,
    validation,
)
from orchestrator.aws_api.shapes import Request, page, timestamp

MAX_ROUTES = 2  # AWS: one version, or two for a canary


def _read_routing(api: AwsApi, request: Request) -> tuple[str, list[Route]] | None:
    """routingConfiguration as (the machine's name, [(version, weight)]), or None if absent."""
    value = request.get("routingConfiguration")
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_ROUTES:
        raise validation(f"'routingConfiguration' must list 1 to {MAX_ROUTES} versions")
    names, routes = set(), []
    for entry in value:
        arn = entry.get("stateMachineVersionArn") if isinstance(entry, dict) else None
        weight = entry.get("weight") if isinstance(entry, dict) else None
        ref = api.arns.parse_state_machine(arn)
        if ref.version is None:
            raise validation(f"'{arn}' is not a state machine version ARN")
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise validation("a route's 'weight' must be an integer from 0 to 100")
        names.add(ref.name)
        routes.append((ref.version, weight))
    if len(names) != 1:
        raise validation("the routed versions must belong to one state machine")
    if len({version for version, _ in routes}) != len(routes):
        raise validation("a version can be routed to only once")
    if sum(weight for _, weight in routes) != 100:
        raise validation("the routes' weights must add up to 100")
    return names.pop(), routes


async def _check_versions(
    api: AwsApi, session: AsyncSession, name: str, routes: list[Route]
) -> None:
    """ResourceNotFound unless the machine and each routed version exist."""
    if await catalog.find_machine(session, api.registry, name) is None:
        raise resource_not_found(api.arns.state_machine(name))
    for version, _ in routes:
        if await catalog.find_version(session, name, version) is None:
            raise resource_not_found(api.arns.state_machine_version(name, version))


async def _alias_or_error(api: AwsApi, session: AsyncSession, arn: object) -> Alias:
    ref = api.arns.parse_alias(arn)
    assert ref.alias is not None
    found = None
    if await catalog.find_machine(session, api.registry, ref.name) is not None:
        found = await alias_catalog.find_alias(session, ref.name, ref.alias)
    if found is None:
        raise resource_not_found(str(arn))
    return found


def _routing(api: AwsApi, alias: Alias) -> list[dict[str, Any]]:
    return [
        {
            "stateMachineVersionArn": api.arns.state_machine_version(alias.name, version),
            "weight": weight,
        }
        for version, weight in alias.routing
    ]


async def version_for_start(
    api: AwsApi, session: AsyncSession, ref: StateMachineRef
) -> tuple[int, Alias]:
    """The published version an execution of alias `ref` runs, picked by weight."""
    assert ref.alias is not None
    alias = await alias_catalog.find_alias(session, ref.name, ref.alias)
    if alias is None:  # StartExecution's modelled error for a target that is not there
        raise state_machine_does_not_exist(api.arns.state_machine_alias(ref.name, ref.alias))
    return alias.pick_version(api.chance), alias


# ---- operations ------------------------------------------------------------------------------


async def create_state_machine_alias(api: AwsApi, request: Request) -> dict[str, Any]:
    alias_name = check_name(request.required_text("name"), "alias name")
    if alias_name.isdigit():
        raise validation("an alias name must not be only digits (that is a version)")
    description = request.text("description", max_length=256)
    routing = _read_routing(api, request)
    if routing is None:
        raise validation("1 validation error detected: 'routingConfiguration' must not be null")
    name, routes = routing
    arn = api.arns.state_machine_alias(name, alias_name)
    async with api.sessions() as session, session.begin():
        await _check_versions(api, session, name, routes)
        alias = await alias_catalog.find_alias(session, name, alias_name)
        if alias is None:
            alias = await alias_catalog.create_alias(session, name, alias_name, description, routes)
        # The same request again is idempotent, as AWS; another one is a conflict.
        if (alias.description, alias.routing) != (description, routes):
            raise AwsError("ConflictException", f"Alias already exists: '{arn}'")
    return {"stateMachineAliasArn": arn, "creationDate": timestamp(alias.created_at)}


async def describe_state_machine_alias(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("stateMachineAliasArn")
    async with api.sessions() as session:
        alias = await _alias_or_error(api, session, arn)
    described: dict[str, Any] = {
        "stateMachineAliasArn": arn,
        "name": alias.alias,
        "routingConfiguration": _routing(api, alias),
        "creationDate": timestamp(alias.created_at),
    }
    if alias.description is not None:
        described["description"] = alias.description
    if alias.updated_at is not None:
        described["updateDate"] = timestamp(alias.updated_at)
    return described


async def list_state_machine_aliases(api: AwsApi, request: Request) -> dict[str, Any]:
    """Of a machine, or (given a version ARN) those that route to that version, as AWS."""
    arn = request.required_text("stateMachineArn")
    ref = api.arns.parse_state_machine(arn)
    limit, after = request.page_size(), request.next_token("ListStateMachineAliases")
    async with api.sessions() as session:
        if await catalog.find_machine(session, api.registry, ref.name) is None or (
            ref.version is not None
            and await catalog.find_version(session, ref.name, ref.version) is None
        ):
            raise resource_not_found(arn)
        aliases, more = await alias_catalog.list_aliases(
            session, ref.name, ref.version, after, limit
        )
    listed = [
        {
            "stateMachineAliasArn": api.arns.state_machine_alias(a.name, a.alias),
            "creationDate": timestamp(a.created_at),
        }
        for a in aliases
    ]
    last = aliases[-1].alias if more else None
    return page("stateMachineAliases", listed, "ListStateMachineAliases", last)


async def update_state_machine_alias(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("stateMachineAliasArn")
    description = request.text("description", max_length=256)
    routing = _read_routing(api, request)
    if description is None and routing is None:
        raise validation("either 'description' or 'routingConfiguration' must be specified")
    async with api.sessions() as session, session.begin():
        alias = await _alias_or_error(api, session, arn)
        routes = None
        if routing is not None:
            name, routes = routing
            if name != alias.name:
                raise validation("an alias routes only to versions of its own state machine")
            await _check_versions(api, session, name, routes)
        updated = await alias_catalog.update_alias(
            session, alias.name, alias.alias, description, routes
        )
    return {"updateDate": timestamp(updated)}


async def delete_state_machine_alias(api: AwsApi, request: Request) -> dict[str, Any]:
    arn = request.required_text("stateMachineAliasArn")
    async with api.sessions() as session, session.begin():
        alias = await _alias_or_error(api, session, arn)
        await alias_catalog.delete_aliases(session, alias.name, alias.alias)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateStateMachineAlias": create_state_machine_alias,
    "DescribeStateMachineAlias": describe_state_machine_alias,
    "ListStateMachineAliases": list_state_machine_aliases,
    "UpdateStateMachineAlias": update_state_machine_alias,
    "DeleteStateMachineAlias": delete_state_machine_alias,
}
