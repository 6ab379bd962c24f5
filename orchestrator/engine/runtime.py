"""The interpreter's working memory for one decision: threads, tokens, timers, history.

The execution state is a set of named parts (records.py lists them). A *thread* runs one machine:
the root thread runs the top-level machine; each Parallel branch and Map iteration is a child
thread, so every branch can hold its own waiting Task, Wait timer or retry backoff. Each thread,
token and timer is a part of its own, and a Runtime reads them copy-on-write (parts.py): a
decision rewrites only the parts it changes, and never touches its input state.
"""

from __future__ import annotations

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
from .errors import QUERY_EVALUATION_ERROR, StatesError
from .machine import StateMachine
from .parts import WorkingParts, as_part_map
from .paths import Env, to_json
from .records import (
    CORE,
    INPUT,
    VERSION,
    Core,
    Thread,
    ThreadRecord,
    TimerRecord,
    child_thread_id,
    item_input_key,
    result_key,
    thread_key,
    timer_key,
    token_key,
)
from .recovery import recover
from .states.base import State

__all__ = ["ROOT", "Runtime", "Thread"]

ROOT = "root"


def new_core() -> Core:
    return {
        "v": VERSION,
        "status": "RUNNING",
        "events": 0,
        "seq": 0,
        "redrive_count": 0,
        "outcome": None,
    }


class Runtime:
    """Runs threads until each waits or ends, collecting what the Decision reports."""

    def __init__(
        self,
        machine: StateMachine,
        ctx: ExecutionContext,
        state: ExecutionState,
        now: datetime,
        entropy: Entropy,
    ) -> None:
        self.base = state
        self.parts = WorkingParts(state.parts)
        if CORE in self.parts:
            self.core: Core = self.parts.edit(CORE)
        else:  # a new execution
            self.core = new_core()
            self.parts.put(CORE, self.core, owned=True)
        if ctx.input is None and self.parts.get(INPUT) is not None:
            ctx = dataclasses.replace(ctx, input=self.parts.get(INPUT))
        self.machine, self.ctx, self.now, self.entropy = machine, ctx, now, entropy
        self.history: list[HistoryEvent] = []
        self.commands: list[TaskCommand] = []
        self.timers: dict[str, TimerRequest] = {}
        self.cancelled: dict[str, None] = {}  # an ordered set
        self.closed: list[str] = []
        self.ready: deque[str] = deque()
        self._threads: dict[str, Thread] = {}  # one Thread object per thread read this decision

    # ---- the decision ----------------------------------------------------------------------

    def decision(self) -> Decision:
        outcome = self.core["outcome"]
        changed, removed = self.parts.changes()
        return Decision(
            state=ExecutionState(as_part_map(self.base.parts).updated(changed, removed)),
            changed_parts=changed,
            removed_parts=removed,
            history=self.history,
            commands=self.commands,
            timers=[t for t in self.timers.values() if t.timer_id not in self.cancelled],
            cancel_timers=list(self.cancelled),
            closed_tokens=self.closed,
            outcome=Outcome(**outcome) if outcome else None,
        )

    def emit(self, type_: str, /, *, previous: int | None = None, **details: Any) -> int:
        """Append a history event; returns its id (1-based, as the shell numbers them).
        `previous` is AWS's previousEventId (None: the event just before)."""
        self.history.append(HistoryEvent(type_, details, previous))
        self.core["events"] += 1
        return self.core["events"]

    def emit_in(self, th: Thread, type_: str, /, *, update: bool = True, **details: Any) -> int:
        """An event of thread `th`: it follows from the thread's source event and, unless
        `update` is False, becomes the source of the next one (as AWS links them). A quiet
        thread's events are not recorded: AWS writes them in a child execution's history, whose
        ids (from 2, after its ExecutionStarted) are what its causes cite."""
        if th.quiet:
            event_id = max(th.src or 0, 1) + 1
            if update:
                th.src = event_id
            return event_id
        event_id = self.emit(type_, previous=th.src, **details)
        if update:
            th.src = event_id
        return event_id

    def next_seq(self) -> int:
        self.core["seq"] += 1
        return self.core["seq"]

    @property
    def running(self) -> bool:
        return self.core["status"] == "RUNNING"

    # ---- threads ---------------------------------------------------------------------------

    def find_thread(self, tid: str) -> Thread | None:
        th = self._threads.get(tid)
        if th is None:
            record = self.parts.get(thread_key(tid))
            if record is None:
                return None
            th = self._threads[tid] = Thread(self.parts, record, private=False)
        return th

    def thread(self, tid: str) -> Thread:
        th = self.find_thread(tid)
        if th is None:
            raise KeyError(tid)
        return th

    def delete_thread(self, th: Thread) -> None:
        self.parts.delete(thread_key(th.id))
        self._threads.pop(th.id, None)
        th.detached = True

    def machine_of(self, th: Thread) -> StateMachine:
        return self.machine.resolve(th.machine)

    def state_of(self, th: Thread) -> State:
        return self.machine_of(th).states[th.state]

    def spawn(
        self,
        parent: Thread | None,
        machine_path: list[Any],
        input_: Any,
        tid: str,
        *,
        index: int | None = None,
        branch: int | None = None,
        source: int = 0,
        quiet: bool = False,
    ) -> Thread:
        """Create a thread at its machine's StartAt and queue it to run; its first event
        follows from event `source` (0: none, as AWS's first state of an execution)."""
        record: ThreadRecord = {
            "id": tid,
            "parent": parent.id if parent else None,
            "machine": machine_path,
            "state": self.machine.resolve(machine_path).start_at,
            "input": input_,
            "phase": "run",
            "timers": [],
            "vars": {},
            "retry_count": 0,
            "src": source,
        }
        if quiet or (parent is not None and parent.quiet):
            record["quiet"] = True
        if index is not None:
            record["index"] = index
        if branch is not None:
            record["branch"] = branch
        # Owned: its containers are new; `input` is shared but never changed in place.
        self.parts.put(thread_key(tid), record, owned=True)
        th = self._threads[tid] = Thread(self.parts, record, private=True)
        self.ready.append(tid)
        return th

    def run(self) -> None:
        """Run every ready thread until it waits or ends."""
        while self.ready and self.running:
            tid = self.ready.popleft()
            th = self.find_thread(tid)
            while th is not None and th.phase == "run" and self.running:
                state = self.state_of(th)
                if th.reentry:
                    th.reentry = None  # a retry: the state was already entered
                else:
                    self.enter(th, state)
                try:
                    state.execute(self, th)
                except StatesError as exc:
                    self.state_failed(th, state, exc)

    def enter(self, th: Thread, state: State) -> None:
        th.entered_time = iso(self.now)
        th.retry_count = 0
        th.retry_counts = [0] * len(state.retriers)
        th.entered_src = th.src
        th.entered_event = self.emit_in(
            th,
            f"{state.type_name}StateEntered",
            name=state.name,
            input=to_json(th.input),
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
            th.assign(assigned)
            details["assignedVariables"] = {k: to_json(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        self.emit_in(th, f"{state.type_name}StateExited", **details)
        target = next_state or state.next
        if next_state is None and (state.end or not state.transitions):
            self.finish_thread(th, output)
            return
        assert target is not None
        th.state, th.input, th.phase = target, output, "run"

    def env(
        self, th: Thread, *, token: str | None = None, item: dict[str, Any] | None = None
    ) -> Env:
        return Env(self.context(th, token=token, item=item), self.variables(th))

    def context(
        self, th: Thread, *, token: str | None = None, item: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return build_context(
            self.ctx,
            state_name=th.state,
            entered_time=th.entered_time,
            retry_count=th.retry_count if self.state_of(th).has_retry else None,
            redrive_count=self.core["redrive_count"],
            token=token,
            item=item,
        )

    def variables(self, th: Thread) -> ChainMap[str, Any]:
        scopes = []
        cur: Thread | None = th
        while cur is not None:
            scopes.append(cur.vars)
            parent = cur.parent
            cur = self.find_thread(parent) if parent else None
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
            f"An error occurred while executing the state '{th.state}' "
            f"(entered at the event id #{th.entered_event}). {message}"
        )

    # ---- tokens and timers -----------------------------------------------------------------

    # The root thread's token is found in the root's own record, so a workflow without
    # Parallel or Map writes no token part at all: one row fewer to insert and one to delete
    # per Task. A child thread's token needs the part to lead a reply to its thread.

    def open_token(self, th: Thread, token: str) -> None:
        if th.id != ROOT:
            self.parts.put(token_key(token), th.id)
        th.token = token

    def thread_of_token(self, token: str) -> str | None:
        """The thread waiting on `token`, if any is."""
        tid: str | None = self.parts.get(token_key(token))
        if tid is None:
            root = self.find_thread(ROOT)
            if root is not None and root.token == token:
                tid = ROOT
        return tid

    def close_token(self, th: Thread) -> None:
        token = th.token
        th.token = None
        if not token:
            return
        key = token_key(token)
        if key in self.parts:  # a child's token (or a root's, stored before it lived in the record)
            self.parts.delete(key)
            issued_before = key in self.base.parts
        elif th.id == ROOT:
            root = self.base.parts.get(thread_key(ROOT))
            issued_before = root is not None and root.get("token") == token
        else:
            return
        if issued_before:  # the shell knows it
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
        record: TimerRecord = {"thread": th.id if th else None, "kind": kind}
        self.parts.put(timer_key(timer_id), record)
        if th is not None:
            th.add_timer(timer_id)
        self.timers[timer_id] = TimerRequest(timer_id, due_at)
        self.cancelled.pop(timer_id, None)
        return timer_id

    def cancel_timer(self, timer_id: str) -> None:
        info: TimerRecord | None = self.parts.get(timer_key(timer_id))
        if info is None:
            return
        self.parts.delete(timer_key(timer_id))
        owner = self.find_thread(info["thread"]) if info["thread"] else None
        if owner is not None:
            owner.remove_timer(timer_id)
        self.timers.pop(timer_id, None)
        if timer_key(timer_id) in self.base.parts:  # the shell knows it
            self.cancelled[timer_id] = None

    def cancel_thread_timers(self, th: Thread) -> None:
        for timer_id in list(th.timers):
            self.cancel_timer(timer_id)

    # ---- errors ----------------------------------------------------------------------------

    def state_failed(self, th: Thread, state: State, exc: StatesError) -> None:
        """Retry, catch, or fail the thread with the error the state raised."""
        if exc.error == QUERY_EVALUATION_ERROR and not exc.from_children:
            # AWS records the failed evaluation, linked to the event before the state's entry
            # (a Wait's evaluation: to its entry).
            details: dict[str, Any] = {"error": exc.error, "cause": exc.cause, "state": state.name}
            if exc.location:
                details["location"] = exc.location
            if state.evaluates_after_entry:
                self.emit_in(th, "EvaluationFailed", **details)
            elif not th.quiet:
                th.src = self.emit("EvaluationFailed", previous=th.entered_src, **details)
        recover(self, th, state, exc)

    def fail_thread(self, th: Thread, error: str | None, cause: str | None) -> None:
        self.close_token(th)
        self.cancel_thread_timers(th)
        th.phase, th.error, th.cause = "failed", error, cause
        if th.parent is None:
            self.end_execution("FAILED", error=error, cause=cause)
        else:
            self.notify_parent(th)

    def finish_thread(self, th: Thread, output: Any) -> None:
        th.phase = "done"
        th.output = output
        if th.parent is None:
            self.end_execution("SUCCEEDED", output=output)
        else:
            self.notify_parent(th)

    def notify_parent(self, child: Thread) -> None:
        assert child.parent is not None
        parent = self.thread(child.parent)
        state = self.state_of(parent)
        try:
            state.on_child_done(self, parent, child)
        except StatesError as exc:
            self.state_failed(parent, state, exc)
        if parent.phase == "run":
            self.ready.append(parent.id)

    # ---- children (Parallel branches, Map iterations) --------------------------------------

    def child_ids(self, th: Thread) -> list[str]:
        """The threads `th` spawned for its current Parallel / Map run that still exist."""
        fanout = th.fanout
        info = self.parts.get(fanout) if fanout else None
        if fanout is None or info is None:
            return []
        ids = (child_thread_id(th.id, fanout, i) for i in range(info["started"]))
        return [tid for tid in ids if thread_key(tid) in self.parts]

    def abort_thread(self, th: Thread) -> None:
        """Stop a thread and everything under it: close its token, cancel its timers."""
        for tid in self.child_ids(th):
            self.abort_thread(self.thread(tid))
        self.close_token(th)
        self.cancel_thread_timers(th)
        if th.phase not in ("done", "failed"):
            th.phase = "aborted"

    def drop_children(self, th: Thread) -> None:
        """Abort and forget every child of `th` and its Parallel / Map run's parts (after the
        run ended or a branch failed, or before the state runs again)."""
        for tid in self.child_ids(th):
            child = self.thread(tid)
            self.abort_thread(child)
            self.drop_children(child)
            self.delete_thread(child)
        fanout = th.fanout
        info = self.parts.get(fanout) if fanout else None
        if fanout is not None and info is not None:
            for i in range(info["length"]):
                self.parts.delete(item_input_key(fanout, i))
                self.parts.delete(result_key(fanout, i))
            self.parts.delete(fanout)
        th.fanout = None

    # ---- the end ---------------------------------------------------------------------------

    def end_execution(
        self, status: str, *, output: Any = None, error: str | None = None, cause: str | None = None
    ) -> None:
        root = self.find_thread(ROOT)
        if root is not None:
            for tid in self.child_ids(root):
                self.abort_thread(self.thread(tid))
            self.close_token(root)
            self.cancel_thread_timers(root)
        self.cancel_timer(f"{self.ctx.execution_id}:execution-timeout")
        if status == "SUCCEEDED":
            self.emit(
                "ExecutionSucceeded", output=to_json(output), outputDetails={"truncated": False}
            )
            outcome: dict[str, Any] = {"status": status, "output": output}
        else:
            details: dict[str, Any] = {
                k: v for k, v in (("error", error), ("cause", cause)) if v is not None
            }
            kind = {
                "FAILED": "ExecutionFailed",
                "TIMED_OUT": "ExecutionTimedOut",
                "ABORTED": "ExecutionAborted",
            }[status]
            self.emit(kind, **details)
            outcome = {"status": status, "error": error, "cause": cause}
        self.core["status"] = status
        self.core["outcome"] = outcome
        self.ready.clear()
