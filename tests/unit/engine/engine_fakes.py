"""A deterministic Entropy and helpers to drive the engine in tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orchestrator.engine import (
    Decision,
    Event,
    ExecutionContext,
    ExecutionState,
    TaskCommand,
    TaskFailed,
    TaskSucceeded,
    TimerFired,
    handle,
    parse_definition,
    start,
)


@dataclass
class FakeEntropy:
    """Numbered tokens and uuids; `uniform` returns the midpoint unless told otherwise."""

    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    fraction: float = 0.5
    counter: int = 0
    uniform_calls: list[tuple[float, float]] = field(default_factory=list)

    def new_token(self) -> str:
        self.counter += 1
        return f"tok-{self.prefix}-{self.counter}"

    def uniform(self, low: float, high: float) -> float:
        self.uniform_calls.append((low, high))
        return low + (high - low) * self.fraction

    def new_uuid(self) -> str:
        self.counter += 1
        return str(uuid.UUID(int=self.counter))


T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def make_ctx(name: str | None = None, input_: object = None) -> ExecutionContext:
    name = name or f"exec-{uuid.uuid4().hex[:8]}"
    return ExecutionContext(
        execution_id=f"id-{name}",
        execution_name=name,
        state_machine_name="sm",
        state_machine_version=1,
        start_time=T0,
        input=input_,
    )


class Driver:
    """Drives one execution through the engine, keeping the latest state and everything seen."""

    def __init__(self, definition: Any, input_: Any, entropy: FakeEntropy | None = None) -> None:
        self.machine = parse_definition(definition)
        self.ctx = make_ctx(input_=input_)
        self.entropy = entropy or FakeEntropy()
        self.now = T0
        first = start(self.machine, self.ctx, input_, now=self.now, entropy=self.entropy)
        self.decisions: list[Decision] = [first]
        self.timers: dict[str, datetime] = {}
        self._track(first)

    @property
    def last(self) -> Decision:
        return self.decisions[-1]

    @property
    def state(self) -> ExecutionState:
        return self.last.state

    def send(self, event: Event) -> Decision:
        # The shell stores the state as JSONB: hand it back as a JSON round trip would.
        stored = ExecutionState(json.loads(json.dumps(self.state.data)))
        decision = handle(self.machine, self.ctx, stored, event, now=self.now, entropy=self.entropy)
        if decision.ignored is None:
            self.decisions.append(decision)
            self._track(decision)
        return decision

    def _track(self, decision: Decision) -> None:
        for timer_id in decision.cancel_timers:
            self.timers.pop(timer_id, None)
        for timer in decision.timers:
            self.timers[timer.timer_id] = timer.due_at

    def fire(self, timer_id: str) -> Decision:
        self.now = max(self.now, self.timers.pop(timer_id))
        return self.send(TimerFired(timer_id))

    def fire_next(self) -> Decision:
        return self.fire(min(self.timers, key=lambda t: self.timers[t]))

    def command(self) -> TaskCommand:
        """The single command of the latest decision."""
        (cmd,) = self.last.commands
        return cmd

    def succeed(self, output: Any) -> Decision:
        return self.send(TaskSucceeded(self.command().token, output))

    def fail(self, error: str | None, cause: str | None = None) -> Decision:
        return self.send(TaskFailed(self.command().token, error, cause))

    def history_types(self) -> list[str]:
        return [h.type for d in self.decisions for h in d.history]
