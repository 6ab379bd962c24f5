"""In-memory stand-ins for the orchestrator and inventory, honouring web's Protocols."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from web.catalog import CatalogItem
from web.errors import InvalidCursor, UpstreamUnavailable
from web.orchestrator import Execution, ExecutionAlreadyExists, ExecutionPage, HistoryEvent


class FakeOrchestrator:
    """Stores executions as started; histories are canned per execution id."""

    def __init__(self) -> None:
        self.executions: dict[str, Execution] = {}
        self.histories: dict[str, list[HistoryEvent]] = {}
        self.starts: list[tuple[str, str, dict[str, Any]]] = []
        self.history_waits: list[float] = []  # each get_history's wait_seconds
        self.down = False
        # Set to an execution to have it appear just before the next start (a racing request).
        self.racing: Execution | None = None

    def _check_up(self) -> None:
        if self.down:
            raise UpstreamUnavailable("orchestrator", "ConnectError")

    def add(self, execution: Execution, history: list[HistoryEvent] | None = None) -> None:
        self.executions[execution.execution_id] = execution
        if history is not None:
            self.histories[execution.execution_id] = history

    async def start_execution(
        self, state_machine: str, name: str, execution_input: dict[str, Any]
    ) -> Execution:
        self._check_up()
        if self.racing is not None:
            self.add(self.racing)
            self.racing = None
        execution_id = f"{state_machine}:{name}"
        existing = self.executions.get(execution_id)
        if existing is not None:
            if existing.input != execution_input:
                raise ExecutionAlreadyExists(execution_id)
            return existing
        self.starts.append((state_machine, name, copy.deepcopy(execution_input)))
        execution = Execution(
            execution_id=execution_id,
            name=name,
            state_machine_name=state_machine,
            status="RUNNING",
            input=copy.deepcopy(execution_input),
            start_date=datetime.now(UTC),
        )
        # As the orchestrator does: the start writes ExecutionStarted with the input.
        started = HistoryEvent(
            id=1,
            previous_event_id=0,
            timestamp=execution.start_date,
            type="ExecutionStarted",
            details={"input": copy.deepcopy(execution_input)},
        )
        self.add(execution, [started])
        return execution

    async def describe_execution(self, execution_id: str) -> Execution | None:
        self._check_up()
        return self.executions.get(execution_id)

    async def get_history(
        self, execution_id: str, wait_seconds: float = 0
    ) -> list[HistoryEvent] | None:
        self._check_up()
        self.history_waits.append(wait_seconds)
        if execution_id not in self.executions:
            return None
        return self.histories.get(execution_id, [])

    async def list_executions(
        self, state_machine: str, limit: int, cursor: str | None
    ) -> ExecutionPage:
        self._check_up()
        newest_first = [
            e for e in reversed(self.executions.values()) if e.state_machine_name == state_machine
        ]
        if cursor is not None and not cursor.isdigit():
            raise InvalidCursor(f"unknown cursor {cursor!r}")
        start = int(cursor or 0)
        end = start + limit
        return ExecutionPage(
            executions=newest_first[start:end],
            next_cursor=str(end) if end < len(newest_first) else None,
        )

    async def health(self) -> str:
        return "unavailable: ConnectError" if self.down else "ok"


class FakeCatalog:
    def __init__(self, items: list[CatalogItem]) -> None:
        self.items = {item.sku: item for item in items}
        self.down = False

    def _check_up(self) -> None:
        if self.down:
            raise UpstreamUnavailable("inventory", "ConnectTimeout")

    async def list_items(self) -> list[CatalogItem]:
        self._check_up()
        return list(self.items.values())

    async def get_item(self, sku: str) -> CatalogItem | None:
        self._check_up()
        return self.items.get(sku)

    async def health(self) -> str:
        return "unavailable: ConnectTimeout" if self.down else "ok"
