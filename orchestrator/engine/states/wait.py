"""Wait: "delays the state machine from continuing for a specified time"."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from .. import expressions
from ..errors import QueryEvaluationError, RuntimeFailure
from ..paths import PathNotFound, read_path
from .base import State
from .choice_rules import parse_timestamp

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread

_KINDS = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")
_INVALID_TS = "does not reference a valid ISO-8601 extended offset date-time format string"


class WaitState(State):
    type_name = "Wait"
    evaluates_after_entry = True
    fields = frozenset({"Next", "End", "InputPath", "OutputPath", "Assign", "Output", *_KINDS})

    def parse(self, problems: list[str], build_machine: Any) -> None:
        kinds = [k for k in _KINDS if k in self.raw]
        if len(kinds) != 1:
            problems.append(f"{self.where}: exactly one of {', '.join(_KINDS)} is required")
            return
        self.kind = kinds[0]
        value = self.raw[self.kind]
        if self.jsonata and expressions.is_expression(value):
            return
        if self.kind == "Seconds" and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            problems.append(f"{self.where}.Seconds must be a non-negative integer")
        if self.kind == "Timestamp" and parse_timestamp(value) is None:
            problems.append(f"{self.where}.Timestamp must be an ISO-8601 timestamp")
        if self.kind.endswith("Path"):
            self._check_path(value, self.kind, problems)

    def execute(self, rt: Runtime, th: Thread) -> None:
        data = self.effective_input(rt, th)
        due = self._due(rt, th, data)
        th.waited_input = data
        if due <= rt.now:
            self._done(rt, th)
            return
        th.phase = "wait"
        rt.set_timer(th, "wait", due=due)

    def on_timer(self, rt: Runtime, th: Thread, kind: str, timer_id: str) -> None:
        self._done(rt, th)

    def _done(self, rt: Runtime, th: Thread) -> None:
        data = th.waited_input
        th.waited_input = None
        self.complete(rt, th, data)

    def _due(self, rt: Runtime, th: Thread, data: Any) -> Any:
        value = self.raw[self.kind]
        if self.jsonata:
            if expressions.is_expression(value):
                value = self.evaluate_jsonata(rt, th, value, self.kind, input=data)
            if self.kind == "Seconds":
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise QueryEvaluationError(
                        rt.runtime_cause(
                            th, f"The Seconds field must be a non-negative integer: {value}"
                        ),
                        location="Seconds",
                    )
                return rt.now + timedelta(seconds=value)
            moment = parse_timestamp(value)
            if moment is None:
                raise QueryEvaluationError(
                    rt.runtime_cause(
                        th,
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset "
                        f"date-time format string: {value}",
                    ),
                    location="Timestamp",
                )
            return moment.astimezone(UTC)
        if self.kind == "Seconds":
            return rt.now + timedelta(seconds=value)
        if self.kind == "Timestamp":
            moment = parse_timestamp(value)
            assert moment is not None
            return moment.astimezone(UTC)
        try:
            found = read_path(value, data, rt.env(th))
        except PathNotFound as exc:
            raise RuntimeFailure(
                rt.runtime_cause(th, f"Invalid path '{value}' : No results for path: {value}")
            ) from exc
        shown = found if isinstance(found, str) else _show(found)
        if self.kind == "SecondsPath":
            if not isinstance(found, int) or isinstance(found, bool):
                raise RuntimeFailure(
                    rt.runtime_cause(
                        th,
                        f"The SecondsPath parameter cannot be parsed as a long value: "
                        f"{value} == {shown}",
                    )
                )
            if found < 0:
                raise RuntimeFailure(
                    rt.runtime_cause(
                        th,
                        f"The SecondsPath parameter references a negative value: "
                        f"{value} == {shown}",
                    )
                )
            return rt.now + timedelta(seconds=found)
        moment = parse_timestamp(found)
        if moment is None:
            raise RuntimeFailure(
                rt.runtime_cause(
                    th, f"The TimestampPath parameter {_INVALID_TS}: {value} == {shown}"
                )
            )
        return moment.astimezone(UTC)


def _show(value: Any) -> str:
    from ..paths import to_json

    return to_json(value)
