"""Parallel: "creates parallel branches of execution"; its result is the array of branch outputs.

Each branch runs as a child thread (so a branch can wait on its own Task). "If any branch fails
... the entire Parallel state fails and all its branches are stopped."
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import StatesError
from ..records import FanOut, child_thread_id, fanout_key, result_key
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
        started = rt.emit_in(th, "ParallelStateStarted")
        run = rt.next_seq()
        fanout = fanout_key("parallel", run)
        count = len(self.branches)
        counters: FanOut = {
            "run": run,
            "length": count,
            "started": count,
            "pending": count,
            "src": th.src,
        }
        rt.parts.put(fanout, counters, owned=True)
        th.fanout = fanout
        th.phase = "children"
        for i in range(count):
            child = child_thread_id(th.id, fanout, i)
            rt.spawn(th, [*th.machine, self.name, i], data, child, branch=i, source=started)

    def on_child_done(self, rt: Runtime, th: Thread, child: Thread) -> None:
        fanout = th.fanout
        assert fanout is not None
        if child.phase == "failed":
            rt.drop_children(th)
            th.src = child.src  # AWS: what follows the branch follows from its last event
            failure = StatesError(child.cause)
            failure.error = child.error
            failure.from_children = True
            failure.state_failed_event = "ParallelStateFailed"  # unless a Retrier takes it
            raise failure
        rt.parts.put(result_key(fanout, child.branch), child.output)
        rt.delete_thread(child)
        counters: FanOut = rt.parts.edit(fanout)
        counters["pending"] -= 1
        counters["src"] = child.src  # the last branch to end: what follows links to it
        if counters["pending"] == 0:
            results = [rt.parts.get(result_key(fanout, i)) for i in range(counters["length"])]
            rt.drop_children(th)
            th.src = counters["src"]
            rt.emit_in(th, "ParallelStateSucceeded", update=False)
            self.complete(rt, th, results)
