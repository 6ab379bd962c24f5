"""State machine definitions: registered in Postgres, versioned, parsed once and cached.

An execution is pinned to the version it started with; registering a changed definition under
the same name adds a version and leaves running executions alone."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator import engine
from orchestrator.tables import state_machines
from orchestrator.task_queues import TaskQueues

log = logging.getLogger(__name__)

WORKFLOW_SUFFIX = ".asl.json"


@dataclass(frozen=True)
class StateMachineVersion:
    name: str
    version: int
    definition: dict[str, Any]
    created_at: datetime


def definition_hash(definition: dict[str, Any]) -> str:
    canonical = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Registry:
    """Looks up and registers state machines; keeps parsed definitions in memory (immutable).

    It also remembers each name's latest version, so that StartExecution need not ask the
    database: the start statement checks the version it was decided on is still the latest, and
    a start that raced a new registration forgets the remembered one and is decided again."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], task_queues: TaskQueues | None = None
    ) -> None:
        self._sessions = sessions
        self._task_queues = task_queues or TaskQueues()
        self._parsed: dict[tuple[str, int], Any] = {}
        self._latest: dict[str, int] = {}

    async def latest_version(self, name: str) -> int | None:
        if name not in self._latest:
            async with self._sessions() as session:
                found = await self.latest(session, name)
            if found is None:
                return None
            self._latest[name] = found.version
        return self._latest[name]

    def forget_latest(self, name: str) -> None:
        self._latest.pop(name, None)

    async def machine(self, name: str, version: int) -> Any:
        """The parsed machine of one version, read from the database on first use."""
        if (name, version) not in self._parsed:
            async with self._sessions() as session:
                await self.parsed(session, name, version)
        return self._parsed[(name, version)]

    async def has_version(self, name: str, version: int) -> bool:
        """Whether `version` of `name` was registered (answered from memory once parsed)."""
        if (name, version) in self._parsed:
            return True
        async with self._sessions() as session:
            found = await session.scalar(
                select(state_machines.c.version).where(
                    state_machines.c.name == name, state_machines.c.version == version
                )
            )
        return found is not None

    def cached_machine(self, name: str, version: int) -> Any:
        """The parsed machine of a version `machine()` has already loaded."""
        return self._parsed[(name, version)]

    async def register(
        self, session: AsyncSession, name: str, definition: dict[str, Any]
    ) -> StateMachineVersion:
        """Add `definition` as the next version of `name`, unless it equals the latest.

        Raises engine.DefinitionError listing every problem of an invalid definition (a Task
        on a queue TASK_QUEUES does not allow is one)."""
        problems = self.validate(definition)
        if problems:
            raise engine.DefinitionError(problems)
        latest = await self.latest(session, name)
        digest = definition_hash(definition)
        if latest is not None and definition_hash(latest.definition) == digest:
            return latest
        version = 1 if latest is None else latest.version + 1
        # Two orchestrators registering at once: the primary key lets one win; re-read after.
        await session.execute(
            insert(state_machines)
            .values(name=name, version=version, definition=definition, definition_hash=digest)
            .on_conflict_do_nothing()
        )
        registered = await self.latest(session, name)
        assert registered is not None
        self.forget_latest(name)  # read again after this transaction commits
        log.info("state machine %s is at version %d", name, registered.version)
        return registered

    def validate(self, definition: dict[str, Any] | str) -> list[str]:
        """Every problem of the definition, the engine's and the allow-list of task queues'."""
        machine, problems = engine.parse_leniently(definition)
        if machine is not None:
            problems += self._task_queues.problems(machine)
        return problems

    async def latest(self, session: AsyncSession, name: str) -> StateMachineVersion | None:
        row = (
            await session.execute(
                select(state_machines)
                .where(state_machines.c.name == name)
                .order_by(state_machines.c.version.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else _version(row)

    async def get(self, session: AsyncSession, name: str, version: int) -> StateMachineVersion:
        row = (
            await session.execute(
                select(state_machines).where(
                    state_machines.c.name == name, state_machines.c.version == version
                )
            )
        ).one()
        return _version(row)

    async def list_latest(self, session: AsyncSession) -> list[StateMachineVersion]:
        newest = (
            select(state_machines.c.name, func.max(state_machines.c.version).label("version"))
            .group_by(state_machines.c.name)
            .subquery()
        )
        rows = await session.execute(
            select(state_machines)
            .join(
                newest,
                (state_machines.c.name == newest.c.name)
                & (state_machines.c.version == newest.c.version),
            )
            .order_by(state_machines.c.name)
        )
        return [_version(row) for row in rows]

    async def parsed(self, session: AsyncSession, name: str, version: int) -> Any:
        """The engine's parsed form of one version (a version never changes, so cache it)."""
        key = (name, version)
        if key not in self._parsed:
            stored = await self.get(session, name, version)
            self._parsed[key] = engine.parse_definition(stored.definition)
        return self._parsed[key]

    async def register_directory(self, session: AsyncSession, directory: Path) -> list[str]:
        names = []
        for path in sorted(directory.glob(f"*{WORKFLOW_SUFFIX}")):
            name = path.name.removesuffix(WORKFLOW_SUFFIX)
            await self.register(session, name, json.loads(path.read_text()))
            names.append(name)
        return names


def _version(row: Any) -> StateMachineVersion:
    return StateMachineVersion(row.name, row.version, row.definition, row.created_at)
