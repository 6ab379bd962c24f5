"""The interpreter's working memory for one decision: threads, tokens, timers, history.

`ExecutionState.data` is a table of *threads* keyed by id. The root thread runs the top-level
machine; each Parallel branch and Map iteration is a child thread, so every branch can hold its
own waiting Task, Wait timer or retry backoff. A thread is a plain JSON object:

    {"id", "parent", "machine": [state, branch, ...], "state", "input", "phase",
     "entered_event", "entered_time", "retry_count", "retry_counts", "token", "attempt",
     "timers": [...], "vars": {...}, "work": {...} (Parallel/Map bookkeeping), "output", ...}

phase: run (about to enter `state`) | task | retry | wait | children | done | failed | aborted.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import ChainMap, deque
from datetime import datetime, timedelta
from typing import Any

from .api import (
    Decision,
    Entropy,
    ExecutionContext,
    ExecutionState,
    HistoryEvent,
    Outcome,
    TaskCommand,
    TimerRequest,
)
from .context import build_context, iso
from .errors import StatesError
from .machine import StateMachine
from .paths import Env, to_json
from .recovery import recover
from .states.base import State

Thread = dict[str, Any]
ROOT = "root"
VERSION = 1


def new_data() -> dict[str, Any]:
    return {
        "v": VERSION,
        "status": "RUNNING",
        "events": 0,
        "seq": 0,
        "threads": {},
        "tokens": {},
        "timers": {},
        "redrive_count": 0,
        "outcome": None,
    }


class Runtime:
    """Runs threads until each waits or ends, collecting what the Decision reports."""

    def __init__(
        self,
        machine: StateMachine,
        ctx: ExecutionContext,
        data: dict[str, Any],
        now: datetime,
        entropy: Entropy,
    ) -> None:
        if ctx.input is None and data.get("input") is not None:
            ctx = dataclasses.replace(ctx, input=data["input"])
        self.machine, self.ctx, self.now, self.entropy = machine, ctx, now, entropy
        self.data = copy.deepcopy(data)
        self.history: list[HistoryEvent] = []
        self.commands: list[TaskCommand] = []
        self.timers: dict[str, TimerRequest] = {}
        self.cancelled: list[str] = []
        self.closed: list[str] = []
        self.ready: deque[str] = deque()
        # What the shell already knows about: only those need cancelling / closing.
        self.known_timers = set(self.data["timers"])
        self.known_tokens = set(self.data["tokens"])

    # ---- the decision ----------------------------------------------------------------------

    def decision(self) -> Decision:
        outcome = self.data.get("outcome")
        return Decision(
            state=ExecutionState(self.data),
            history=self.history,
            commands=self.commands,
            timers=[t for t in self.timers.values() if t.timer_id not in self.cancelled],
            cancel_timers=self.cancelled,
            closed_tokens=self.closed,
            outcome=Outcome(**outcome) if outcome else None,
        )

    def emit(self, type_: str, **details: Any) -> int:
        """Append a history event; returns its id (1-based, as the shell numbers them)."""
        self.history.append(HistoryEvent(type_, details))
        self.data["events"] += 1
        return int(self.data["events"])

    def next_seq(self) -> int:
        self.data["seq"] += 1
        return int(self.data["seq"])

    @property
    def running(self) -> bool:
        return bool(self.data["status"] == "RUNNING")

    # ---- threads ---------------------------------------------------------------------------

    def thread(self, tid: str) -> Thread:
        th: Thread = self.data["threads"][tid]
        return th

    def machine_of(self, th: Thread) -> StateMachine:
        return self.machine.resolve(th["machine"])

    def state_of(self, th: Thread) -> State:
        return self.machine_of(th).states[th["state"]]

    def spawn(
        self, parent: Thread | None, machine_path: list[Any], input_: Any, tid: str, **extra: Any
    ) -> Thread:
        """Create a thread at its machine's StartAt and queue it to run."""
        th: Thread = {
            "id": tid,
            "parent": parent["id"] if parent else None,
            "machine": machine_path,
            "state": self.machine.resolve(machine_path).start_at,
            "input": input_,
            "phase": "run",
            "timers": [],
            "vars": {},
            "retry_count": 0,
        }
        th.update(extra)
        self.data["threads"][tid] = th
        self.ready.append(tid)
        return th

    def run(self) -> None:
        """Run every ready thread until it waits or ends."""
        while self.ready and self.running:
            tid = self.ready.popleft()
            th = self.data["threads"].get(tid)
            while th is not None and th["phase"] == "run" and self.running:
                state = self.state_of(th)
                if th.pop("reentry", False):
                    pass  # a retry: the state was already entered
                else:
                    self.enter(th, state)
                try:
                    state.execute(self, th)
                except StatesError as exc:
                    self.state_failed(th, state, exc)

    def enter(self, th: Thread, state: State) -> None:
        th["entered_time"] = iso(self.now)
        th["retry_count"] = 0
        th["retry_counts"] = [0] * len(state.retriers)
        th["entered_event"] = self.emit(
            f"{state.type_name}StateEntered",
            name=state.name,
            input=to_json(th["input"]),
            inputDetails={"truncated": False},
        )

    def transition(
        self,
        th: Thread,
        state: State,
        output: Any,
        *,
        assigned: Any = None,
        next_state: str | None = None,
    ) -> None:
        """Leave `state` with `output`: to `next_state` (or its Next), or end the thread."""
        details: dict[str, Any] = {
            "name": state.name,
            "output": to_json(output),
            "outputDetails": {"truncated": False},
        }
        if assigned:
            th["vars"].update(assigned)
            details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
        self.emit(f"{state.type_name}StateExited", **details)
        target = next_state or state.next
        if next_state is None and (state.end or not state.transitions):
            self.finish_thread(th, output)
            return
        th.update(state=target, input=output, phase="run")

    def env(
        self, th: Thread, *, token: str | None = None, item: dict[str, Any] | None = None
    ) -> Env:
        return Env(self.context(th, token=token, item=item), self.variables(th))

    def context(
        self, th: Thread, *, token: str | None = None, item: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return build_context(
            self.ctx,
            state_name=th["state"],
            entered_time=th.get("entered_time"),
            retry_count=th.get("retry_count", 0),
            redrive_count=self.data["redrive_count"],
            token=token,
            item=item,
        )

    def variables(self, th: Thread) -> ChainMap[str, Any]:
        scopes = []
        cur: Thread | None = th
        while cur is not None:
            scopes.append(cur["vars"])
            cur = self.data["threads"].get(cur["parent"]) if cur["parent"] else None
        return ChainMap(*scopes)

    def bindings(
        self,
        th: Thread,
        *,
        token: str | None = None,
        item: dict[str, Any] | None = None,
        **states: Any,
    ) -> dict[str, Any]:
        """JSONata bindings: variables and `$states`."""
        out = dict(self.variables(th))
        out["states"] = {"context": self.context(th, token=token, item=item), **states}
        return out

    def runtime_cause(self, th: Thread, message: str) -> str:
        return (
            f"An error occurred while executing the state '{th['state']}' "
            f"(entered at the event id #{th.get('entered_event', 0)}). {message}"
        )

    # ---- tokens and timers -----------------------------------------------------------------

    def open_token(self, th: Thread, token: str) -> None:
        self.data["tokens"][token] = th["id"]
        th["token"] = token

    def close_token(self, th: Thread) -> None:
        token = th.pop("token", None)
        if not token or self.data["tokens"].pop(token, None) is None:
            return
        if token in self.known_tokens:
            self.closed.append(token)
        else:  # issued and ended within this decision: never publish its command
            self.commands = [c for c in self.commands if c.token != token]

    def set_timer(
        self,
        th: Thread | None,
        kind: str,
        seconds: float | None = None,
        *,
        due: datetime | None = None,
        timer_id: str | None = None,
    ) -> str:
        """Request TimerFired(timer_id) after `seconds` (or at `due`)."""
        if timer_id is None:
            timer_id = f"{self.ctx.execution_id}:{kind}:{self.next_seq()}"
        due_at = due if due is not None else self.now + timedelta(seconds=seconds or 0)
        self.data["timers"][timer_id] = {"thread": th["id"] if th else None, "kind": kind}
        if th is not None and timer_id not in th["timers"]:
            th["timers"].append(timer_id)
        self.timers[timer_id] = TimerRequest(timer_id, due_at)
        if timer_id in self.cancelled:
            self.cancelled.remove(timer_id)
        return timer_id

    def cancel_timer(self, timer_id: str) -> None:
        info = self.data["timers"].pop(timer_id, None)
        if info is None:
            return
        if info["thread"] and info["thread"] in self.data["threads"]:
            timers = self.thread(info["thread"])["timers"]
            if timer_id in timers:
                timers.remove(timer_id)
        self.timers.pop(timer_id, None)
        if timer_id in self.known_timers:
            self.cancelled.append(timer_id)

    def cancel_thread_timers(self, th: Thread) -> None:
        for timer_id in list(th["timers"]):
            self.cancel_timer(timer_id)

    # ---- errors ----------------------------------------------------------------------------

    def state_failed(self, th: Thread, state: State, exc: StatesError) -> None:
        """Retry, catch, or fail the thread with the error the state raised."""
        recover(self, th, state, exc)

    def fail_thread(self, th: Thread, error: str | None, cause: str | None) -> None:
        self.close_token(th)
        self.cancel_thread_timers(th)
        th.update(phase="failed", error=error, cause=cause)
        if th["parent"] is None:
            self.end_execution("FAILED", error=error, cause=cause)
        else:
            self.notify_parent(th)

    def finish_thread(self, th: Thread, output: Any) -> None:
        th.update(phase="done", output=output)
        if th["parent"] is None:
            self.end_execution("SUCCEEDED", output=output)
        else:
            self.notify_parent(th)

    def notify_parent(self, child: Thread) -> None:
        parent = self.thread(child["parent"])
        state = self.state_of(parent)
        try:
            state.on_child_done(self, parent, child)
        except StatesError as exc:
            self.state_failed(parent, state, exc)
        if parent["phase"] == "run":
            self.ready.append(parent["id"])

    def abort_thread(self, th: Thread) -> None:
        """Stop a thread and everything under it: close its token, cancel its timers."""
        for child in [t for t in self.data["threads"].values() if t["parent"] == th["id"]]:
            self.abort_thread(child)
        self.close_token(th)
        self.cancel_thread_timers(th)
        if th["phase"] not in ("done", "failed"):
            th["phase"] = "aborted"

    def drop_children(self, th: Thread) -> None:
        """Abort and forget every child of `th` (after a branch failed or before a retry)."""
        for child in [t for t in self.data["threads"].values() if t["parent"] == th["id"]]:
            self.abort_thread(child)
            self.drop_children(child)
            del self.data["threads"][child["id"]]

    # ---- the end ---------------------------------------------------------------------------

    def end_execution(
        self, status: str, *, output: Any = None, error: str | None = None, cause: str | None = None
    ) -> None:
        root = self.data["threads"].get(ROOT)
        if root is not None:
            for child in [t for t in self.data["threads"].values() if t["parent"] == ROOT]:
                self.abort_thread(child)
            self.close_token(root)
            self.cancel_thread_timers(root)
        for timer_id, info in list(self.data["timers"].items()):
            if info["thread"] is None:  # the execution timeout
                self.cancel_timer(timer_id)
        if status == "SUCCEEDED":
            self.emit(
                "ExecutionSucceeded", output=to_json(output), outputDetails={"truncated": False}
            )
            outcome: dict[str, Any] = {"status": status, "output": output}
        else:
            details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
            kind = {
                "FAILED": "ExecutionFailed",
                "TIMED_OUT": "ExecutionTimedOut",
                "ABORTED": "ExecutionAborted",
            }[status]
            self.emit(kind, **details)
            outcome = {"status": status, "error": error, "cause": cause}
        self.data["status"] = status
        self.data["outcome"] = outcome
        self.ready.clear()
