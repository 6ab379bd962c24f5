"""What the AWS API reads and writes beside the registry: a state machine's AWS attributes
(role, type, creation, deletion), its published versions, and tags (orchestrator.tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.registry import Registry, StateMachineVersion
from orchestrator.tables import (
    aws_state_machine_versions,
    aws_state_machines,
    aws_tags,
    state_machines,
)


@dataclass(frozen=True)
class Machine:
    """A state machine as AWS sees it: its current revision and AWS's attributes."""

    name: str
    current: StateMachineVersion
    role_arn: str | None  # None: registered otherwise; the API shows a default
    type: str
    created_at: datetime
    updated_at: datetime | None


@dataclass(frozen=True)
class PublishedVersion:
    name: str
    version: int
    revision: int
    description: str | None
    created_at: datetime


async def find_machine(session: AsyncSession, registry: Registry, name: str) -> Machine | None:
    """The machine named `name`, or None if there is none or the AWS API deleted it."""
    current = await registry.latest(session, name)
    if current is None:
        return None
    attributes = await _attributes(session, name)
    if attributes is None:
        first = await session.scalar(
            select(func.min(state_machines.c.created_at)).where(state_machines.c.name == name)
        )
        return Machine(name, current, None, "STANDARD", first or current.created_at, None)
    if attributes.deleted_at is not None:
        return None
    return Machine(
        name,
        current,
        attributes.role_arn,
        attributes.type,
        attributes.created_at,
        attributes.updated_at,
    )


async def is_express(session: AsyncSession, name: str) -> bool:
    """Whether the machine `name` was created EXPRESS (its executions get `express:` ARNs)."""
    machine_type = await session.scalar(
        select(aws_state_machines.c.type).where(aws_state_machines.c.name == name)
    )
    return machine_type == "EXPRESS"


async def _attributes(session: AsyncSession, name: str) -> Any:
    return (
        await session.execute(select(aws_state_machines).where(aws_state_machines.c.name == name))
    ).first()


async def list_machines(
    session: AsyncSession, registry: Registry, after: str | None, limit: int
) -> tuple[list[Machine], bool]:
    """Machines by name after `after`, at most `limit`, and whether more follow."""
    attributes = {
        row.name: row for row in (await session.execute(select(aws_state_machines))).all()
    }
    found = []
    for current in await registry.list_latest(session):  # sorted by name
        row = attributes.get(current.name)
        if (row is not None and row.deleted_at is not None) or (
            after is not None and current.name <= after
        ):
            continue
        found.append(
            Machine(
                current.name,
                current,
                row.role_arn if row else None,
                row.type if row else "STANDARD",
                row.created_at if row else current.created_at,
                row.updated_at if row else None,
            )
        )
    return found[:limit], len(found) > limit


async def save_attributes(
    session: AsyncSession, name: str, role_arn: str, machine_type: str
) -> datetime:
    """Create (or bring back from deletion) the AWS attributes of `name`; its creation date."""
    now = datetime.now(UTC)
    await session.execute(
        insert(aws_state_machines)
        .values(name=name, role_arn=role_arn, type=machine_type, created_at=now)
        .on_conflict_do_update(
            index_elements=[aws_state_machines.c.name],
            set_={
                "role_arn": role_arn,
                "type": machine_type,
                "created_at": now,
                "updated_at": None,
                "deleted_at": None,
                "last_version": 0,
            },
        )
    )
    return now


async def _ensure_attributes(session: AsyncSession, name: str) -> None:
    """Give a machine registered otherwise (no row yet) its row of AWS attributes."""
    first = await session.scalar(
        select(func.min(state_machines.c.created_at)).where(state_machines.c.name == name)
    )
    await session.execute(
        insert(aws_state_machines)
        .values(name=name, role_arn="", created_at=first or datetime.now(UTC))
        .on_conflict_do_nothing()
    )


async def mark_updated(session: AsyncSession, name: str, role_arn: str | None) -> datetime:
    await _ensure_attributes(session, name)
    now = datetime.now(UTC)
    values: dict[str, Any] = {"updated_at": now}
    if role_arn is not None:
        values["role_arn"] = role_arn
    await session.execute(
        update(aws_state_machines).where(aws_state_machines.c.name == name).values(**values)
    )
    return now


async def mark_deleted(session: AsyncSession, name: str, arn: str) -> None:
    """Hide `name` from the AWS API, with its versions and tags. Its revisions stay in the
    registry: running executions are pinned to them and go on."""
    now = datetime.now(UTC)
    await session.execute(
        insert(aws_state_machines)
        .values(name=name, role_arn="", created_at=now, deleted_at=now)
        .on_conflict_do_update(index_elements=[aws_state_machines.c.name], set_={"deleted_at": now})
    )
    await session.execute(
        delete(aws_state_machine_versions).where(aws_state_machine_versions.c.name == name)
    )
    await delete_tags(session, arn, None)


# ---- published versions ----------------------------------------------------------------------


def _published(row: Any) -> PublishedVersion:
    return PublishedVersion(row.name, row.version, row.revision, row.description, row.created_at)


async def find_version(session: AsyncSession, name: str, version: int) -> PublishedVersion | None:
    row = (
        await session.execute(
            select(aws_state_machine_versions).where(
                aws_state_machine_versions.c.name == name,
                aws_state_machine_versions.c.version == version,
            )
        )
    ).first()
    return None if row is None else _published(row)


async def list_versions(
    session: AsyncSession, name: str, before: int | None, limit: int
) -> tuple[list[PublishedVersion], bool]:
    """Newest first, those below `before`; at most `limit`, and whether more follow."""
    query = select(aws_state_machine_versions).where(aws_state_machine_versions.c.name == name)
    if before is not None:
        query = query.where(aws_state_machine_versions.c.version < before)
    rows = (
        await session.execute(
            query.order_by(aws_state_machine_versions.c.version.desc()).limit(limit + 1)
        )
    ).all()
    return [_published(row) for row in rows[:limit]], len(rows) > limit


async def publish(
    session: AsyncSession, name: str, revision: int, description: str | None
) -> PublishedVersion:
    """Publish `revision` as the next version, unless the newest version is that revision
    already (then that one is returned, as AWS does)."""
    newest, _ = await list_versions(session, name, None, 1)
    if newest and newest[0].revision == revision:
        return newest[0]
    # The machine's row counts versions; its lock also serializes publishes of one machine.
    await _ensure_attributes(session, name)
    number = await session.scalar(
        update(aws_state_machines)
        .where(aws_state_machines.c.name == name)
        .values(last_version=aws_state_machines.c.last_version + 1)
        .returning(aws_state_machines.c.last_version)
    )
    row = (
        await session.execute(
            insert(aws_state_machine_versions)
            .values(name=name, version=number, revision=revision, description=description)
            .returning(aws_state_machine_versions)
        )
    ).one()
    return _published(row)


async def delete_version(session: AsyncSession, name: str, version: int) -> None:
    await session.execute(
        delete(aws_state_machine_versions).where(
            aws_state_machine_versions.c.name == name,
            aws_state_machine_versions.c.version == version,
        )
    )


# ---- tags ------------------------------------------------------------------------------------


async def list_tags(session: AsyncSession, arn: str) -> dict[str, str]:
    rows = await session.execute(
        select(aws_tags.c.key, aws_tags.c.value)
        .where(aws_tags.c.resource_arn == arn)
        .order_by(aws_tags.c.key)
    )
    return {row.key: row.value for row in rows}


async def put_tags(session: AsyncSession, arn: str, tags: dict[str, str]) -> None:
    for key, value in tags.items():
        await session.execute(
            insert(aws_tags)
            .values(resource_arn=arn, key=key, value=value)
            .on_conflict_do_update(
                index_elements=[aws_tags.c.resource_arn, aws_tags.c.key], set_={"value": value}
            )
        )


async def delete_tags(session: AsyncSession, arn: str, keys: list[str] | None) -> None:
    """Remove the tags named in `keys` (all of them when None)."""
    query = delete(aws_tags).where(aws_tags.c.resource_arn == arn)
    if keys is not None:
        query = query.where(aws_tags.c.key.in_(keys))
    await session.execute(query)
