"""One module per ASL state type; `STATE_TYPES` maps the `Type` field to its class."""

from __future__ import annotations

from .base import State
from .choice import ChoiceState
from .fail import FailState
from .map_ import MapState
from .parallel import ParallelState
from .pass_ import PassState
from .succeed import SucceedState
from .task import TaskState
from .wait import WaitState

STATE_TYPES: dict[str, type[State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Choice": ChoiceState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Parallel": ParallelState,
    "Map": MapState,
}

__all__ = ["STATE_TYPES", "State"]
