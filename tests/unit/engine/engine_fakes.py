"""A deterministic Entropy and helpers to drive the engine in tests."""

from __future__ import annotations

import copy
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
from orchestrator.engine.contract import contract_problems, freeze, stored


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
        empty = ExecutionState.empty()
        first = start(self.machine, self.ctx, input_, now=self.now, entropy=self.entropy)
        assert contract_problems(empty, freeze(empty), first) == []
        self.decisions: list[Decision] = [first]
        # What the shell would read back: only changed parts, through JSON, on the last state.
        self.stored = stored(empty, first)
        self.timers: dict[str, datetime] = {}
        self._track(first)

    @property
    def last(self) -> Decision:
        return self.decisions[-1]

    @property
    def state(self) -> ExecutionState:
        return self.stored

    def send(self, event: Event) -> Decision:
        """Handle `event` on the stored state; the in-memory state must decide alike."""
        in_memory, memory_snapshot = self.last.state, freeze(self.last.state)
        twin_entropy = copy.deepcopy(self.entropy)
        twin = handle(self.machine, self.ctx, in_memory, event, now=self.now, entropy=twin_entropy)
        snapshot = freeze(self.stored)
        decision = handle(
            self.machine, self.ctx, self.stored, event, now=self.now, entropy=self.entropy
        )
        assert contract_problems(self.stored, snapshot, decision) == []
        assert contract_problems(in_memory, memory_snapshot, twin) == []
        assert twin == decision, "the in-memory state and the stored one decided differently"
        if decision.ignored is None:
            self.decisions.append(decision)
            self.stored = stored(self.stored, decision)
            self._track(decision)
        return decision

    def parts_named(self, prefix: str) -> dict[str, object]:
        """The stored parts whose key starts with `prefix` ("token:", "timer:", "thread:"...)."""
        return {k: v for k, v in self.stored.parts.items() if k.startswith(prefix)}

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
