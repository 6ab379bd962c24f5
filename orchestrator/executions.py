"""An execution as the shell reads it from its row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orchestrator.engine.api import ExecutionContext


@dataclass(frozen=True)
class ExecutionRow:
    execution_id: str
    name: str
    state_machine_name: str
    state_machine_version: int
    status: str
    input: Any
    output: Any
    error: str | None
    cause: str | None
    start_date: datetime
    stop_date: datetime | None
    event_count: int
    redrive_count: int
    state_version: int

    @classmethod
    def from_record(cls, record: Any) -> ExecutionRow:
        return cls(
            execution_id=record["execution_id"],
            name=record["name"],
            state_machine_name=record["state_machine_name"],
            state_machine_version=record["state_machine_version"],
            status=record["status"],
            input=record.get("input"),  # None where a transition did not read it
            output=record.get("output"),
            error=record["error"],
            cause=record["cause"],
            start_date=record["start_date"],
            stop_date=record["stop_date"],
            event_count=record["event_count"],
            redrive_count=record["redrive_count"],
            state_version=record["state_version"],
        )

    def context(self) -> ExecutionContext:
        """What `$$.Execution` and `$$.StateMachine` show for this execution."""
        return ExecutionContext(
            execution_id=self.execution_id,
            execution_name=self.name,
            state_machine_name=self.state_machine_name,
            state_machine_version=self.state_machine_version,
            start_time=self.start_date,
            input=self.input,
        )
