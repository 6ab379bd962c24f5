"""The engine's contract with its shell: what goes in, what comes out.

The engine is a pure function: (definition, execution state, event, clock, entropy) -> Decision.
It never does I/O, never reads the wall clock and never draws hidden randomness. The shell
(orchestrator.runtime) owns the database and the broker and applies a Decision in one transaction.

Everything here is plain data. `ExecutionState.parts` are JSON values keyed by short strings,
opaque to the shell: it stores each part (e.g. a row per part) and applies each Decision's
`changed_parts` / `removed_parts`, so one event rewrites a few small parts, never the whole state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from .parts import PartMap, as_part_map

JSON = Any

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


@dataclass(frozen=True)
class ExecutionContext:
    """What `$$.Execution` and `$$.StateMachine` expose; fixed for the life of an execution."""

    execution_id: str
    execution_name: str
    state_machine_name: str
    state_machine_version: int
    start_time: datetime
    input: JSON = None
    # `$$.StateMachine.Id`: the machine's ARN where the shell has one (else name:version).
    state_machine_arn: str | None = None


class Entropy(Protocol):
    """The only source of randomness and identifiers the engine may use.

    Production passes unguessable values (task tokens must not be forgeable); tests pass a seeded,
    deterministic one so that a run replays exactly.
    """

    def new_token(self) -> str: ...

    def uniform(self, low: float, high: float) -> float: ...

    def new_uuid(self) -> str: ...


# ---- events the shell feeds in -------------------------------------------------------------


@dataclass(frozen=True)
class TaskSucceeded:
    token: str
    output: JSON


@dataclass(frozen=True)
class TaskFailed:
    token: str
    error: str | None
    cause: str | None


@dataclass(frozen=True)
class TaskHeartbeat:
    token: str


@dataclass(frozen=True)
class TimerFired:
    timer_id: str


@dataclass(frozen=True)
class StopRequested:
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class RedriveRequested:
    """Restart a FAILED / TIMED_OUT / ABORTED execution from the state that failed."""


Event = TaskSucceeded | TaskFailed | TaskHeartbeat | TimerFired | StopRequested | RedriveRequested


# ---- what the engine decides ---------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEvent:
    """One entry of GetExecutionHistory. The shell numbers it (`id`, `previousEventId`) and
    stamps it with the time of the transaction. `type` is AWS's name (`TaskStateEntered`...);
    `details` is the body AWS puts under `<type>EventDetails` (camelCase keys, as AWS)."""

    type: str
    details: dict[str, JSON] = field(default_factory=dict)
    # AWS's previousEventId: the event this one follows from (0 for none), an absolute id as the
    # shell numbers events; None means the event just before it (id - 1).
    previous_event_id: int | None = None


@dataclass(frozen=True)
class TaskCommand:
    """Publish `payload` to `queue`; the service replies with `token`."""

    token: str
    queue: str
    payload: JSON
    state_name: str
    attempt: int  # 0 for the first try, +1 per retry


@dataclass(frozen=True)
class TimerRequest:
    """Deliver TimerFired(timer_id) at or after `due_at`. Setting an id again moves it."""

    timer_id: str
    due_at: datetime


@dataclass(frozen=True)
class Outcome:
    """Set once the execution has ended."""

    status: ExecutionStatus
    output: JSON = None
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class ExecutionState:
    """The engine's record as named parts: JSON values keyed by short strings, small enough that
    one event changes a few parts, never one that grows with a Map's items.

    `parts` is never mutated by the engine, and neither is any value in it: a shell may cache a
    state and hand it to several events. Any Mapping will do (a dict read back from the
    database); the engine's own states hold a PartMap, which `updated` copies cheaply.
    """

    parts: Mapping[str, JSON]

    @classmethod
    def empty(cls) -> ExecutionState:
        """The state of an execution not yet started."""
        return cls(PartMap())

    def updated(
        self, changed_parts: Mapping[str, JSON], removed_parts: Iterable[str] = ()
    ) -> ExecutionState:
        """This state with a Decision's changes applied (e.g. as read back from the database),
        sharing everything unchanged: the cheap way for a shell to keep the next state."""
        return ExecutionState(as_part_map(self.parts).updated(changed_parts, removed_parts))


@dataclass(frozen=True)
class Decision:
    """What the engine decided. `state` is the whole new state; `changed_parts` and
    `removed_parts` say how it differs from the input state, for the shell to write:

        state.parts == {k: v for k, v in old.parts.items() if k not in removed_parts}
                       | changed_parts

    (disjoint; a part created and removed within the decision appears in neither). When
    `ignored` is set, both are empty and `state` is the input state.
    """

    state: ExecutionState
    changed_parts: dict[str, JSON] = field(default_factory=dict)
    removed_parts: frozenset[str] = frozenset()
    history: list[HistoryEvent] = field(default_factory=list)
    commands: list[TaskCommand] = field(default_factory=list)
    timers: list[TimerRequest] = field(default_factory=list)
    cancel_timers: list[str] = field(default_factory=list)
    # Tokens that stop being valid with this decision (their attempt is over).
    closed_tokens: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    # Set when the event changed nothing (a stale or unknown token, a timer already cancelled):
    # the shell records the reason and commits nothing else.
    ignored: str | None = None
