"""The pure ASL engine: parse a definition once, then `start` and `handle` events.

machine = parse_definition(definition)          # raises DefinitionError(.problems)
decision = start(machine, ctx, input, now=now, entropy=entropy)
decision = handle(machine, ctx, decision.state, TaskSucceeded(token, output), ...)
"""

from .api import (
    JSON,
    Decision,
    Entropy,
    Event,
    ExecutionContext,
    ExecutionState,
    ExecutionStatus,
    HistoryEvent,
    Outcome,
    RedriveRequested,
    StopRequested,
    TaskCommand,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
    TimerRequest,
)
from .errors import DefinitionError, StatesError
from .interpreter import handle, start
from .machine import StateMachine, parse_definition, parse_leniently, validate_definition
from .test_state import TestStateRequestError, run_test_state

__all__ = [
    "JSON",
    "Decision",
    "DefinitionError",
    "Entropy",
    "Event",
    "ExecutionContext",
    "ExecutionState",
    "ExecutionStatus",
    "HistoryEvent",
    "Outcome",
    "RedriveRequested",
    "StateMachine",
    "StatesError",
    "StopRequested",
    "TaskCommand",
    "TaskFailed",
    "TaskHeartbeat",
    "TaskSucceeded",
    "TestStateRequestError",
    "TimerFired",
    "TimerRequest",
    "handle",
    "parse_definition",
    "parse_leniently",
    "run_test_state",
    "start",
    "validate_definition",
]
