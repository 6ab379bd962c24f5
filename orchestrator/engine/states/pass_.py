"""Pass: "passes its input to its output, performing no work" (optionally a fixed Result)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import State

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread


class PassState(State):
    type_name = "Pass"
    fields = frozenset(
        {
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "Result",
            "Assign",
            "Output",
        }
    )

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        result: Any
        if self.jsonata:
            # JSONata Pass: "Output" (default: the state input) is the whole story.
            result = data
        elif "Result" in self.raw:
            # "Result ... is treated as the output of a virtual task"
            result = self.raw["Result"]
        else:
            result = self.parameters_of(rt, th, data)
        self.complete(rt, th, result)
