"""What the AWS API stores of aliases (CreateStateMachineAlias ...) and of how an execution was
started (a published version, through an alias or not), in orchestrator.tables."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.tables import aws_execution_origins, aws_state_machine_aliases

# One entry of AWS's routingConfiguration: a published version and its weight (0-100).
Route = tuple[int, int]


@dataclass(frozen=True)
class Alias:
    name: str  # the state machine's
    alias: str
    description: str | None
    routing: list[Route]
    created_at: datetime
    updated_at: datetime | None

    def pick_version(self, chance: random.Random) -> int:
        """A version by weight, as AWS routes an alias's executions (a canary release)."""
        versions = [version for version, _ in self.routing]
        return chance.choices(versions, weights=[weight for _, weight in self.routing])[0]


@dataclass(frozen=True)
class Origin:
    version: int
    alias: str | None


def _alias(row: Any) -> Alias:
    routing = [(int(r["version"]), int(r["weight"])) for r in row.routing]
    return Alias(row.name, row.alias, row.description, routing, row.created_at, row.updated_at)


def _stored(routing: list[Route]) -> list[dict[str, int]]:
    return [{"version": version, "weight": weight} for version, weight in routing]


async def find_alias(session: AsyncSession, name: str, alias: str) -> Alias | None:
    row = (
        await session.execute(
            select(aws_state_machine_aliases).where(
                aws_state_machine_aliases.c.name == name,
                aws_state_machine_aliases.c.alias == alias,
            )
        )
    ).first()
    return None if row is None else _alias(row)


async def list_aliases(
    session: AsyncSession, name: str, version: int | None, after: str | None, limit: int
) -> tuple[list[Alias], bool]:
    """A machine's aliases by name after `after` (those routing to `version`, if given); at
    most `limit`, and whether more follow."""
    query = select(aws_state_machine_aliases).where(aws_state_machine_aliases.c.name == name)
    if after is not None:
        query = query.where(aws_state_machine_aliases.c.alias > after)
    rows = (await session.execute(query.order_by(aws_state_machine_aliases.c.alias))).all()
    aliases = [_alias(row) for row in rows]
    if version is not None:
        aliases = [a for a in aliases if any(v == version for v, _ in a.routing)]
    return aliases[:limit], len(aliases) > limit


async def create_alias(
    session: AsyncSession, name: str, alias: str, description: str | None, routing: list[Route]
) -> Alias:
    """The alias created, or the one a concurrent request created first."""
    row = (
        await session.execute(
            insert(aws_state_machine_aliases)
            .values(name=name, alias=alias, description=description, routing=_stored(routing))
            .on_conflict_do_nothing()
            .returning(aws_state_machine_aliases)
        )
    ).first()
    if row is None:
        found = await find_alias(session, name, alias)
        assert found is not None  # the conflicting row has committed: we waited for it
        return found
    return _alias(row)


async def update_alias(
    session: AsyncSession,
    name: str,
    alias: str,
    description: str | None,
    routing: list[Route] | None,
) -> datetime:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"updated_at": now}
    if description is not None:
        values["description"] = description
    if routing is not None:
        values["routing"] = _stored(routing)
    await session.execute(
        update(aws_state_machine_aliases)
        .where(aws_state_machine_aliases.c.name == name, aws_state_machine_aliases.c.alias == alias)
        .values(**values)
    )
    return now


async def delete_aliases(session: AsyncSession, name: str, alias: str | None) -> None:
    """Delete one alias of machine `name`, or all of them when `alias` is None."""
    query = delete(aws_state_machine_aliases).where(aws_state_machine_aliases.c.name == name)
    if alias is not None:
        query = query.where(aws_state_machine_aliases.c.alias == alias)
    await session.execute(query)


async def aliases_routing_to(session: AsyncSession, name: str, version: int) -> list[str]:
    aliases, _ = await list_aliases(session, name, version, None, 10_000)
    return [a.alias for a in aliases]


# ---- origins -------------------------------------------------------------------------------


async def record_origin(
    session: AsyncSession, execution_id: str, version: int, alias: str | None
) -> None:
    await session.execute(
        insert(aws_execution_origins)
        .values(execution_id=execution_id, version=version, alias=alias)
        .on_conflict_do_nothing()
    )


async def find_origin(session: AsyncSession, execution_id: str) -> Origin | None:
    row = (
        await session.execute(
            select(aws_execution_origins).where(
                aws_execution_origins.c.execution_id == execution_id
            )
        )
    ).first()
    return None if row is None else Origin(row.version, row.alias)
