"""Parallel: "creates parallel branches of execution"; its result is the array of branch outputs.

Each branch runs as a child thread (so a branch can wait on its own Task). "If any branch fails
... the entire Parallel state fails and all its branches are stopped."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import StatesError
from .base import BuildMachine, State

if TYPE_CHECKING:
    from ..machine import StateMachine
    from ..runtime import Runtime, Thread


class ParallelState(State):
    type_name = "Parallel"
    fields = frozenset(
        {
            "Next",
            "End",
            "Branches",
            "InputPath",
            "OutputPath",
            "ResultPath",
            "Parameters",
            "ResultSelector",
            "Retry",
            "Catch",
            "Arguments",
            "Output",
            "Assign",
        }
    )
    required = frozenset({"Branches"})
    has_retry = True

    def parse(self, problems: list[str], build_machine: BuildMachine) -> None:
        self.branches: list[StateMachine] = []
        raw = self.raw.get("Branches")
        if "Branches" in self.raw and (not isinstance(raw, list) or not raw):
            problems.append(f"{self.where}.Branches must be a non-empty array")
            return
        ql = "JSONata" if self.jsonata else "JSONPath"
        for i, branch in enumerate(raw or []):
            machine = build_machine(branch, f"{self.where}.Branches[{i}]", ql)
            if machine is not None:
                self.branches.append(machine)

    def sub_machine(self, index: int) -> StateMachine:
        return self.branches[index]

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.parameters_of(rt, th, self.effective_input(rt, th))
        rt.drop_children(th)
        rt.emit("ParallelStateStarted")
        run = rt.next_seq()
        children = []
        for i in range(len(self.branches)):
            child = rt.spawn(
                th, [*th["machine"], self.name, i], data, f"{th['id']}/{run}.{i}", branch=i
            )
            children.append(child["id"])
        th["work"] = {"results": [None] * len(children), "pending": len(children)}
        th["phase"] = "children"

    def on_child_done(self, rt: Runtime, th: Thread, child: Thread) -> None:
        work = th["work"]
        if child["phase"] == "failed":
            rt.drop_children(th)
            th.pop("work", None)
            rt.emit("ParallelStateFailed", error=child.get("error"), cause=child.get("cause"))
            failure = StatesError(child.get("cause"))
            failure.error = child.get("error")
            raise failure
        work["results"][child["branch"]] = child["output"]
        work["pending"] -= 1
        if work["pending"] == 0:
            results = th.pop("work")["results"]
            rt.drop_children(th)
            rt.emit("ParallelStateSucceeded")
            self.complete(rt, th, results)
