"""Succeed: "stops an execution successfully" (or ends its branch / iteration)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import State

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread


class SucceedState(State):
    type_name = "Succeed"
    fields = frozenset({"InputPath", "OutputPath", "Output"})
    transitions = False

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        if self.jsonata:
            output = (
                self.evaluate_jsonata(rt, th, self.output, "Output", input=data)
                if (self.output is not None)
                else data
            )
        elif self.output_path is None:
            output = {}
        else:
            output = self.read(rt, th, self.output_path, data)
        rt.transition(th, self, output)
