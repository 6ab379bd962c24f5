"""What happened to each state of an execution, read from its history (pure; no I/O).

The history names a state only on `<Kind>StateEntered` / `<Kind>StateExited`; the events in
between (`TaskScheduled`, `TaskFailed`, ...) belong to the state of their thread. An event whose
`previousEventId` is an event of a state still open belongs to that state (AWS links each
thread's events so); failing that, to the most recently entered open state of the matching kind
(exact for a sequence of states; where the threads of a Parallel or Map interleave and the links
are only "the event before", a visit may get a neighbour's attempt, the per-name totals stay
right). A caught error is a state that failed and then was exited (AWS's StateExited with the
catcher's output) or left for another state without an exit (how earlier engines record it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from servicekit.json_text import parse_json_text

# Statuses of a visit and of a state as the console draws it.
IN_PROGRESS, SUCCEEDED, FAILED, CAUGHT, ABORTED = (
    "IN_PROGRESS",
    "SUCCEEDED",
    "FAILED",
    "CAUGHT",
    "ABORTED",
)
RETRIED = "RETRIED"  # a state's status when it succeeded after retrying

_CONTAINERS = ("Parallel", "Map")
# Events that say the open state of a kind failed (its error in `error` / `cause`).
_FAILURES: dict[str, str | None] = {
    "TaskFailed": "Task",
    "TaskTimedOut": "Task",
    "TaskStartFailed": "Task",
    "TaskSubmitFailed": "Task",
    "ParallelStateFailed": "Parallel",
    "MapStateFailed": "Map",
    "EvaluationFailed": None,  # a JSONata error, in a state of any kind
}
_ATTEMPTS = {"TaskScheduled": "Task"}
_EXECUTION_ENDS = {
    "ExecutionSucceeded": SUCCEEDED,
    "ExecutionFailed": FAILED,
    "ExecutionAborted": ABORTED,
    "ExecutionTimedOut": FAILED,
}
MAX_VISITS = 500  # visits listed at most (a Map of 10,000 items has 10,000 per inner state)


@dataclass(eq=False)  # visits are told apart by identity (two may hold the same values)
class Visit:
    """One entry into a state: `<Kind>StateEntered` up to its exit, catch or the end."""

    name: str
    type: str
    entered_event_id: int
    entered_at: datetime
    input: Any
    status: str = IN_PROGRESS
    exited_at: datetime | None = None
    output: Any = None
    attempts: int = 0
    error: str | None = None
    cause: str | None = None
    failed_event_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "enteredEventId": self.entered_event_id,
            "enteredAt": self.entered_at.isoformat(),
            "exitedAt": self.exited_at.isoformat() if self.exited_at else None,
            "status": self.status,
            "attempts": max(self.attempts, 1),
            "retries": max(self.attempts - 1, 0),
            "error": self.error,
            "cause": self.cause,
            "input": self.input,
            "output": self.output,
        }


@dataclass
class StateSummary:
    """Fed history events in order (`add`), any number of times; `as_json` at any moment."""

    visits: list[Visit] = field(default_factory=list)
    last_event_id: int = 0
    _open: list[Visit] = field(default_factory=list)
    _owner: dict[int, Visit] = field(default_factory=dict)  # event id -> the visit it is of

    def add(self, events: list[Any]) -> None:
        for event in events:
            event_id = event["event_id"]
            previous = event.get("previous_event_id", event_id - 1)
            visit = self._add(
                event_id, previous, event["timestamp"], event["type"], event["details"] or {}
            )
            if visit is not None:
                self._owner[event_id] = visit

    def _add(
        self, event_id: int, previous: int, at: datetime, kind: str, details: dict[str, Any]
    ) -> Visit | None:
        """Applies one event; returns the visit it belongs to, if any."""
        self.last_event_id = event_id
        if kind.endswith("StateEntered"):
            self._catch_failed_before(event_id, at)
            visit = Visit(
                name=details.get("name", "?"),
                type=kind.removesuffix("StateEntered"),
                entered_event_id=event_id,
                entered_at=at,
                input=parse_json_text(details.get("input")),
            )
            self.visits.append(visit)
            self._open.append(visit)
            return visit
        if kind.endswith("StateExited"):
            exited = self._open_visit(previous, name=details.get("name"))
            if exited is not None:
                caught = exited.failed_event_id is not None
                exited.status, exited.exited_at = (CAUGHT if caught else SUCCEEDED), at
                exited.output = parse_json_text(details.get("output"))
                self._open.remove(exited)
            return exited
        if kind in _ATTEMPTS:
            attempted = self._open_visit(previous, type_=_ATTEMPTS[kind])
            if attempted is not None:
                attempted.attempts += 1
                attempted.status, attempted.failed_event_id = IN_PROGRESS, None
            return attempted
        if kind in _FAILURES:
            failed = self._open_visit(previous, type_=_FAILURES[kind])
            if failed is not None:
                failed.error, failed.cause = details.get("error"), details.get("cause")
                failed.failed_event_id = event_id
            return failed
        if kind in _EXECUTION_ENDS:
            self._end_all(at, _EXECUTION_ENDS[kind], details)
        elif kind == "ExecutionRedriven":
            self._open.clear()
        else:
            return self._open_visit(previous)  # TaskStarted, TaskSucceeded, ...: keep the link
        return None

    def _open_visit(
        self, previous: int, name: str | None = None, type_: str | None = None
    ) -> Visit | None:
        """The open visit an event belongs to: the one its previousEventId is of, else the
        latest entered that fits."""
        linked = self._owner.get(previous)
        if (
            linked is not None
            and linked in self._open
            and (name is None or linked.name == name)
            and (type_ is None or linked.type == type_)
        ):
            return linked
        if name is None and type_ is None:
            return None  # an event of no particular kind: only its link says whose it is
        return self._latest_open(name, type_)

    def _latest_open(self, name: str | None = None, type_: str | None = None) -> Visit | None:
        for visit in reversed(self._open):
            if (name is None or visit.name == name) and (type_ is None or visit.type == type_):
                return visit
        return None

    def _catch_failed_before(self, event_id: int, at: datetime) -> None:
        """A state entered right after another state's failure (or right after another state
        was entered, for a Pass or Choice that raised): that state's error was caught."""
        for visit in reversed(self._open):
            raised_now = visit.failed_event_id == event_id - 1
            raised_on_entry = (
                visit.entered_event_id == event_id - 1 and visit.type not in _CONTAINERS
            )
            if raised_now or raised_on_entry:
                visit.status, visit.exited_at = CAUGHT, at
                self._open.remove(visit)
                return

    def _end_all(self, at: datetime, outcome: str, details: dict[str, Any]) -> None:
        """The execution ended: states still open failed with it (or were stopped)."""
        for visit in self._open:
            visit.exited_at = at
            if outcome == ABORTED:
                visit.status = ABORTED
            else:
                visit.status = FAILED
                if visit.error is None and visit.type not in _CONTAINERS:
                    visit.error, visit.cause = details.get("error"), details.get("cause")
        self._open.clear()

    def states(self) -> dict[str, dict[str, Any]]:
        """Per state name: its status as drawn, visits, attempts, and its last visit."""
        by_name: dict[str, dict[str, Any]] = {}
        for visit in self.visits:
            state = by_name.setdefault(
                visit.name, {"visits": 0, "attempts": 0, "retries": 0, "running": 0}
            )
            state["visits"] += 1
            state["attempts"] += max(visit.attempts, 1)
            state["retries"] += max(visit.attempts - 1, 0)
            state["running"] += visit.status == IN_PROGRESS
            state["last"] = visit
        result = {}
        for name, state in by_name.items():
            last: Visit = state.pop("last")
            status = IN_PROGRESS if state.pop("running") else last.status
            if status == SUCCEEDED and state["retries"]:
                status = RETRIED
            result[name] = {**state, "status": status, "lastVisit": last.entered_event_id}
        return result

    def as_json(self) -> dict[str, Any]:
        return {
            "lastEventId": self.last_event_id,
            "states": self.states(),
            "visits": [visit.as_json() for visit in self.visits[:MAX_VISITS]],
            "visitCount": len(self.visits),
        }
