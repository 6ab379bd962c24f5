"""TestState's `inspectionData`: the data after each step of a state's input/output processing.

AWS reports, as JSON text: `input`; for a JSONPath state `afterInputPath`, and for a Pass state
`afterParameters` (or `result`, from its `Result`), `afterResultSelector` and `afterResultPath`.
A JSONata state reports its `input` only. The steps are evaluated here with the state's own
methods, on an entropy the state's real run then replays, so `States.UUID()` agrees with it.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .api import Entropy
from .errors import StatesError
from .paths import apply_result_path, to_json

if TYPE_CHECKING:
    from .runtime import Runtime, Thread
    from .states.base import State


class ReplayEntropy:
    """Draws from `source` and remembers; after `replay()` hands out the same draws again, in
    order, before drawing anew: the inspection and the run then see the same values."""

    def __init__(self, source: Entropy) -> None:
        self.source = source
        self.drawn: list[Any] = []
        self.replaying: list[Any] = []

    def replay(self) -> None:
        self.replaying, self.drawn = self.drawn, []

    def _next(self, draw: Any) -> Any:
        value = self.replaying.pop(0) if self.replaying else draw()
        self.drawn.append(value)
        return value

    def new_token(self) -> str:
        value: str = self._next(self.source.new_token)
        return value

    def uniform(self, low: float, high: float) -> float:
        value: float = self._next(lambda: self.source.uniform(low, high))
        return value

    def new_uuid(self) -> str:
        value: str = self._next(self.source.new_uuid)
        return value


def inspection_data(rt: Runtime, th: Thread, state: State) -> dict[str, str]:
    """What AWS shows of `state`'s processing of `th.input` at DEBUG and TRACE."""
    out = {"input": to_json(th.input)}
    if state.jsonata:
        return out
    with contextlib.suppress(StatesError):  # the state's run fails alike and reports it
        _steps(rt, th, state, out)
    return out


def _steps(rt: Runtime, th: Thread, state: State, out: dict[str, str]) -> None:
    if state.type_name == "Pass" and "Result" in state.raw:
        # A Pass with Result does no input processing: its Result is the result.
        result: Any = state.raw["Result"]
        out["result"] = to_json(result)
    else:
        data = state.effective_input(rt, th)
        out["afterInputPath"] = to_json(data)
        if state.type_name != "Pass":
            return
        result = state.parameters_of(rt, th, data)
        out["afterParameters"] = to_json(result)
    out["afterResultSelector"] = to_json(result)  # a Pass has no ResultSelector
    out["afterResultPath"] = to_json(apply_result_path(th.input, state.result_path, result))
