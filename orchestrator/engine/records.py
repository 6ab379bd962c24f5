"""What the execution state's parts hold, and their keys (see the engine README for the list).

    "core"                      Core: status, event and sequence counters, outcome
    "input"                     the execution's input
    "thread:<id>"               ThreadRecord: one thread (the root, a Parallel branch, a Map item)
    "token:<token>"             the id of the thread waiting on that task token (a child
                                thread's: the root thread's token is in its own record)
    "timer:<timer id>"          TimerRecord: who set a pending timer, and why
    "map:<run>"                 FanOut: one run of a Map state (counters, not items)
    "map:<run>:in:<i>"          item i's input, until its iteration starts
    "map:<run>:out:<i>"         item i's result, until the Map ends
    "parallel:<run>"            FanOut: one run of a Parallel state
    "parallel:<run>:out:<i>"    branch i's output, until the Parallel ends

`<run>` is a sequence number unique within the execution. No part grows with the number of
items, branches, threads, tokens or timers, so one reply rewrites a few small parts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, overload

from .parts import copy_json

if TYPE_CHECKING:
    from .parts import WorkingParts

JSON = Any
VERSION = 2
CORE = "core"
INPUT = "input"

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]
# run: about to enter `state` (or re-run it after a retry) | task: waiting on a token |
# retry: waiting on a backoff timer | wait: in a Wait state | children: a Parallel or Map waiting
# on its child threads | done / failed / aborted: ended.
Phase = Literal["run", "task", "retry", "wait", "children", "done", "failed", "aborted"]


class Core(TypedDict):
    v: int
    status: str
    events: int  # history events so far (ids are 1-based)
    seq: int  # the last number handed out for timer ids and Parallel / Map runs
    redrive_count: int
    outcome: dict[str, JSON] | None  # Outcome's fields once the execution ended


class TimerRecord(TypedDict):
    thread: str | None  # None: the execution's own TimeoutSeconds
    kind: str  # execution_timeout | timeout | heartbeat | retry | wait


class FanOut(TypedDict, total=False):
    """The counters of one Parallel or Map run; its children and results live in parts of
    their own. Parallel uses run, length, started, pending; Map all but pending."""

    run: int
    length: int  # branches / items
    started: int  # children spawned so far (their ids are 0..started-1)
    pending: int  # Parallel: branches still running
    running: int  # Map: iterations running now
    done: int  # Map: iterations ended (succeeded or failed)
    failed: int
    max: int  # Map: MaxConcurrency (0: no limit)
    count: int | None  # Map: ToleratedFailureCount
    pct: float | None  # Map: ToleratedFailurePercentage
    # Map: the event the next MapIterationStarted follows from (kept here, not in the Map's
    # thread, so that a reply does not rewrite the thread and the input it holds).
    src: int | None


class ThreadRecord(TypedDict, total=False):
    id: str
    parent: str | None
    machine: list[str | int]  # path to the thread's machine: [state, branch, state, branch...]
    state: str
    input: JSON
    phase: Phase
    timers: list[str]  # ids of this thread's pending timers
    vars: dict[str, JSON]  # variables assigned in this thread's scope
    entered_event: int
    entered_time: str
    retry_count: int
    retry_counts: list[int]  # per Retrier of the current state
    token: str  # the task token of the attempt in flight
    attempt: int
    heartbeat: int
    index: int  # Map iteration: the item's index
    branch: int  # Parallel branch: its index
    error: str | None
    cause: str | None
    reentry: bool  # a retry: run the state again without entering it
    fanout: str  # key of the FanOut part while children run
    waited_input: JSON  # Wait: the effective input, output when the wait is over
    # AWS's previousEventId of the thread's next event (the event it follows from), and what it
    # was when the current state was entered. Absent in records written before they existed.
    src: int
    entered_src: int
    quiet: bool  # a DISTRIBUTED Map's iteration: AWS keeps its events out of the history


def thread_key(tid: str) -> str:
    return f"thread:{tid}"


def token_key(token: str) -> str:
    return f"token:{token}"


def timer_key(timer_id: str) -> str:
    return f"timer:{timer_id}"


# An event's details under a key that starts with "_" are the engine's own: kept in the history
# table, left out of AWS's event shapes (aws_history.aws_event). A distributed Map's run figures
# (item counts, evaluated MaxConcurrency and tolerated failures) for DescribeMapRun.
MAP_RUN_FIGURES = "_mapRun"


def fanout_key(kind: Literal["map", "parallel"], run: int) -> str:
    return f"{kind}:{run}"


def item_input_key(fanout: str, index: int) -> str:
    return f"{fanout}:in:{index}"


def result_key(fanout: str, index: int) -> str:
    return f"{fanout}:out:{index}"


def child_thread_id(parent_id: str, fanout: str, index: int) -> str:
    kind, run = fanout.split(":")
    return f"{parent_id}/{run}[{index}]" if kind == "map" else f"{parent_id}/{run}.{index}"


T = TypeVar("T")
_SCALARS = (str, int, float, bool)


class Field(Generic[T]):
    """A ThreadRecord field as a typed attribute of Thread; setting None removes the field."""

    def __init__(self, default: T) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, th: None, owner: type) -> Field[T]: ...

    @overload
    def __get__(self, th: Thread, owner: type) -> T: ...

    def __get__(self, th: Thread | None, owner: type) -> Field[T] | T:
        if th is None:
            return self
        value: T = th.record.get(self.name, self.default)  # type: ignore[assignment]
        return value

    def __set__(self, th: Thread, value: T) -> None:
        old = th.record.get(self.name)
        if value is None:
            if self.name in th.record:
                th.edit().pop(self.name)  # type: ignore[misc]
            return
        if isinstance(value, _SCALARS) and type(old) is type(value) and old == value:
            return  # unchanged: leave the part alone
        th.edit()[self.name] = value  # type: ignore[literal-required]


class Thread:
    """One thread, read through its part; the first change copies the part (copy-on-write).

    A thread is the root (the top-level machine), a Parallel branch or a Map iteration. Its
    record is the part "thread:<id>"; `output` is only handed from a finished thread to its
    parent within one decision, never stored.
    """

    def __init__(self, parts: WorkingParts, record: ThreadRecord, *, private: bool) -> None:
        self._parts = parts
        self.record = record  # read-only unless `private`
        self._private = private
        self.detached = False  # deleted: changes stay in this object
        self.output: JSON = None

    id: Field[str] = Field("")
    parent: Field[str | None] = Field(None)
    machine: Field[list[str | int]] = Field([])
    state: Field[str] = Field("")
    input: Field[JSON] = Field(None)
    phase: Field[Phase] = Field("run")
    vars: Field[dict[str, JSON]] = Field({})
    entered_event: Field[int] = Field(0)
    entered_time: Field[str | None] = Field(None)
    retry_count: Field[int] = Field(0)
    retry_counts: Field[list[int] | None] = Field(None)
    token: Field[str | None] = Field(None)
    attempt: Field[int] = Field(0)
    heartbeat: Field[int | None] = Field(None)
    index: Field[int] = Field(0)
    branch: Field[int] = Field(0)
    error: Field[str | None] = Field(None)
    cause: Field[str | None] = Field(None)
    reentry: Field[bool | None] = Field(None)
    fanout: Field[str | None] = Field(None)
    waited_input: Field[JSON] = Field(None)
    src: Field[int | None] = Field(None)
    entered_src: Field[int | None] = Field(None)
    quiet: Field[bool | None] = Field(None)

    def edit(self) -> ThreadRecord:
        """The record, made private to this decision first."""
        if not self._private:
            if self.detached:
                self.record = copy_json(self.record)
            else:
                self.record = self._parts.edit(thread_key(self.id))
            self._private = True
        return self.record

    @property
    def timers(self) -> list[str]:
        """Ids of this thread's pending timers (read-only: use add_timer / remove_timer)."""
        return self.record.get("timers", [])

    def add_timer(self, timer_id: str) -> None:
        if timer_id not in self.timers:
            self.edit().setdefault("timers", []).append(timer_id)

    def remove_timer(self, timer_id: str) -> None:
        if timer_id in self.timers:
            self.edit()["timers"].remove(timer_id)

    def assign(self, variables: dict[str, JSON]) -> None:
        """Set variables in this thread's scope (Assign)."""
        self.edit().setdefault("vars", {}).update(variables)
