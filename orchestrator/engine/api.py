"""The engine's contract with its shell: what goes in, what comes out.

The engine is a pure function: (definition, execution state, event, clock, entropy) -> Decision.
It never does I/O, never reads the wall clock and never draws hidden randomness. The shell
(orchestrator.runtime) owns the database and the broker and applies a Decision in one transaction.

Everything here is plain data. `ExecutionState.data` is JSON-serializable and opaque to the shell:
it is stored as JSONB and handed back unchanged on the next event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

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
    """The engine's own record of a running execution (stored as JSONB by the shell)."""

    data: dict[str, JSON]


@dataclass(frozen=True)
class Decision:
    state: ExecutionState
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
