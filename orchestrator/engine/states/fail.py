"""Fail: "stops the execution of the state machine and marks it as a failure"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import StatesError
from ..intrinsics import looks_like_intrinsic
from ..payload import evaluate_dynamic
from .base import State

if TYPE_CHECKING:
    from ..runtime import Runtime, Thread


class FailState(State):
    type_name = "Fail"
    fields = frozenset({"Error", "Cause", "ErrorPath", "CausePath"})
    transitions = False

    def parse(self, problems: list[str], build_machine: Any) -> None:
        for key in ("Error", "Cause"):
            if key in self.raw and f"{key}Path" in self.raw:
                problems.append(f"{self.where}: {key} and {key}Path are mutually exclusive")
            path = self.raw.get(f"{key}Path")
            if path is not None and not looks_like_intrinsic(path):
                self._check_path(path, f"{key}Path", problems)

    def execute(self, rt: Runtime, th: Thread) -> None:
        error = self._field(rt, th, "Error")
        cause = self._field(rt, th, "Cause")
        rt.fail_thread(th, error, cause)

    def _field(self, rt: Runtime, th: Thread, key: str) -> str | None:
        if self.jsonata:
            value = self.raw.get(key)
            if value is None:
                return None
            return _text(self.evaluate_jsonata(rt, th, value, key, input=th.input))
        if key in self.raw:
            return _text(self.raw[key])
        path = self.raw.get(f"{key}Path")
        if path is None:
            return None
        try:
            value = evaluate_dynamic(path, f"{key}Path", th.input, rt.env(th), rt.entropy)
        except StatesError as exc:
            exc.error = "States.Runtime"
            exc.cause = rt.runtime_cause(th, exc.cause or "")
            raise
        return _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    from ..paths import to_json

    return to_json(value)
