"""`start` and `handle`: the engine's two entry points. Pure: the clock and randomness come in.

Each call reads the execution state copy-on-write (only the parts it changes are copied),
applies one event, runs every thread on until it waits
(a Task's reply, a Wait timer, a retry backoff) or the execution ends, and returns a Decision.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from .api import (
    Decision,
    Entropy,
    Event,
    ExecutionContext,
    ExecutionState,
    RedriveRequested,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from .errors import TIMEOUT, StatesError
from .machine import StateMachine
from .paths import to_json
from .records import CORE, INPUT, TimerRecord, timer_key
from .runtime import ROOT, Runtime
from .states.task import TaskState

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")


def start(
    machine: StateMachine,
    ctx: ExecutionContext,
    input: Any,
    *,
    now: datetime,
    entropy: Entropy,
) -> Decision:
    """Begin an execution: ExecutionStarted, then run until the first wait point or the end."""
    if ctx.input is None:
        ctx = dataclasses.replace(ctx, input=input)
    rt = Runtime(machine, ctx, ExecutionState.empty(), now, entropy)
    rt.parts.put(INPUT, input)
    rt.emit(
        "ExecutionStarted",
        previous=0,
        input=to_json(input),
        inputDetails={"truncated": False},
        roleArn="",  # AWS's details hold only these three (no machine name or version)
    )
    if machine.timeout_seconds:
        rt.set_timer(
            None,
            "execution_timeout",
            machine.timeout_seconds,
            timer_id=f"{ctx.execution_id}:execution-timeout",
        )
    rt.spawn(None, [], input, ROOT)
    rt.run()
    return rt.decision()


def handle(
    machine: StateMachine,
    ctx: ExecutionContext,
    state: ExecutionState,
    event: Event,
    *,
    now: datetime,
    entropy: Entropy,
) -> Decision:
    """Apply one event and run on. Stale tokens and timers give `Decision.ignored`."""
    status = (state.parts.get(CORE) or {}).get("status")
    if isinstance(event, RedriveRequested):
        if status not in REDRIVABLE:
            return Decision(state=state, ignored=f"cannot redrive an execution that is {status}")
        rt = Runtime(machine, ctx, state, now, entropy)
        _redrive(rt)
        rt.run()
        return rt.decision()
    if status != "RUNNING":
        return Decision(state=state, ignored=f"execution is {status}")
    rt = Runtime(machine, ctx, state, now, entropy)
    if isinstance(event, StopRequested):
        rt.end_execution("ABORTED", error=event.error, cause=event.cause)
        return rt.decision()
    if isinstance(event, TaskSucceeded | TaskFailed | TaskHeartbeat):
        reason = _task_event(rt, event)
    elif isinstance(event, TimerFired):
        reason = _timer_fired(rt, event.timer_id)
    else:  # pragma: no cover - Event is a closed union
        reason = f"unknown event {type(event).__name__}"
    if reason:
        return Decision(state=state, ignored=reason)
    rt.run()
    return rt.decision()


def _task_event(rt: Runtime, event: TaskSucceeded | TaskFailed | TaskHeartbeat) -> str | None:
    tid = rt.thread_of_token(event.token)
    if tid is None:
        return "unknown or stale task token"
    th = rt.thread(tid)
    task = rt.state_of(th)
    if th.phase != "task" or th.token != event.token or not isinstance(task, TaskState):
        return "task token is not awaited"
    try:
        task.on_task_event(rt, th, event)
    except StatesError as exc:
        rt.state_failed(th, task, exc)
    if th.phase == "run":
        rt.ready.append(tid)
    return None


def _timer_fired(rt: Runtime, timer_id: str) -> str | None:
    info: TimerRecord | None = rt.parts.get(timer_key(timer_id))
    if info is None:
        return "timer is not pending"
    rt.parts.delete(timer_key(timer_id))
    if info["kind"] == "execution_timeout":
        rt.end_execution(
            "TIMED_OUT",
            error=TIMEOUT,
            cause="The execution did not complete within its TimeoutSeconds",
        )
        return None
    assert info["thread"] is not None
    th = rt.thread(info["thread"])
    th.remove_timer(timer_id)
    if info["kind"] == "retry":
        th.phase, th.reentry = "run", True
        rt.ready.append(th.id)
        return None
    state = rt.state_of(th)
    try:
        state.on_timer(rt, th, info["kind"], timer_id)
    except StatesError as exc:
        rt.state_failed(th, state, exc)
    if th.phase == "run":
        rt.ready.append(th.id)
    return None


def _redrive(rt: Runtime) -> None:
    """ "Redrive ... restarts the execution from the unsuccessful step", with the input it had."""
    core = rt.core
    core["redrive_count"] += 1
    core["status"], core["outcome"] = "RUNNING", None
    root = rt.thread(ROOT)
    rt.drop_children(root)
    rt.close_token(root)
    rt.cancel_thread_timers(root)
    root.error = root.cause = root.reentry = root.waited_input = None
    root.phase = "run"
    rt.emit("ExecutionRedriven", redriveCount=core["redrive_count"])
    rt.ready.append(ROOT)
