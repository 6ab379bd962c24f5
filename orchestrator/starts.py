"""StartExecution, many at a time: the starts that arrive together are written by one statement
(statements.START_EXECUTIONS), as replies are (orchestrator.group_commit).

A start is decided by the batch, with the batch's clock, so that the start time the engine saw
and the start date stored are one and the same. What START_EXECUTIONS needs beyond the
decision's own columns (WriteSet.arguments) is gathered here, row for row in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orchestrator.executions import ExecutionRow
from orchestrator.writes import to_json_text
from servicekit import tracing


@dataclass
class StartRequest:
    """One StartExecution waiting for its batch."""

    execution_id: str
    state_machine_name: str
    name: str
    input: Any
    version: int | None  # None: the newest, which the statement checks is still the newest
    # The caller's trace (the batch runs in no caller's context).
    traceparent: str | None = field(default_factory=tracing.traceparent)
    # Set by the batch: the row it inserted. None: not created (the name is taken, or a newer
    # version appeared since the batch decided on one); the caller finds out which.
    row: ExecutionRow | None = None


@dataclass
class StartColumns:
    """$45..$50 of START_EXECUTIONS: per execution, what its row has and a decision does not."""

    names: list[str] = field(default_factory=list)
    machines: list[str] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    traceparents: list[str | None] = field(default_factory=list)
    any_version: list[bool] = field(default_factory=list)

    def add(self, request: StartRequest, version: int) -> None:
        self.names.append(request.name)
        self.machines.append(request.state_machine_name)
        self.versions.append(version)
        self.inputs.append(to_json_text(request.input))
        self.traceparents.append(request.traceparent)
        # A version the caller chose stands; the newest must still be the newest.
        self.any_version.append(request.version is not None)

    def arguments(self) -> list[Any]:
        return [
            self.names,
            self.machines,
            self.versions,
            self.inputs,
            self.traceparents,
            self.any_version,
        ]
