"""Parsing and validating a definition into a `StateMachine` of typed states.

Parsing collects every problem it finds instead of stopping at the first, so a definition is
reported whole at registration time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import DefinitionError
from .states import STATE_TYPES
from .states.base import State

TOP_FIELDS = frozenset(
    {"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"}
)
SUB_FIELDS = frozenset({"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"})


@dataclass
class StateMachine:
    """A parsed (sub-)machine: the top-level definition, a Parallel branch or a Map processor."""

    start_at: str
    states: dict[str, State]
    query_language: str = "JSONPath"
    timeout_seconds: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def resolve(self, path: list[Any]) -> StateMachine:
        """The sub-machine at `path`: pairs of (state name, branch index) from the top."""
        machine = self
        for i in range(0, len(path), 2):
            machine = machine.states[path[i]].sub_machine(path[i + 1])
        return machine


def parse_definition(definition: dict[str, Any] | str) -> StateMachine:
    """Parse and validate; raise DefinitionError listing every problem."""
    problems: list[str] = []
    machine = _parse(definition, problems)
    if problems or machine is None:
        raise DefinitionError(problems or ["definition could not be parsed"])
    return machine


def validate_definition(definition: dict[str, Any] | str) -> list[str]:
    """Every problem of the definition; empty when it is valid."""
    return parse_leniently(definition)[1]


def parse_leniently(definition: dict[str, Any] | str) -> tuple[StateMachine | None, list[str]]:
    """The machine as far as it could be parsed, and every problem found: for checks beyond
    the language's (the shell's allow-list of queues) to report theirs beside the engine's."""
    problems: list[str] = []
    machine = _parse(definition, problems)
    return machine, problems


def _parse(definition: dict[str, Any] | str, problems: list[str]) -> StateMachine | None:
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except json.JSONDecodeError as exc:
            problems.append(f"definition is not valid JSON: {exc}")
            return None
    if not isinstance(definition, dict):
        problems.append("definition must be a JSON object")
        return None
    for key in definition:
        if key not in TOP_FIELDS:
            problems.append(f"field '{key}' is not allowed at the top level")
    ql = definition.get("QueryLanguage", "JSONPath")
    if ql not in ("JSONPath", "JSONata"):
        problems.append("QueryLanguage must be JSONPath or JSONata")
        ql = "JSONPath"
    timeout = definition.get("TimeoutSeconds")
    if timeout is not None and (
        not isinstance(timeout, int) or isinstance(timeout, bool) or timeout < 1
    ):
        problems.append("TimeoutSeconds must be a positive integer")
        timeout = None
    machine = build_machine(definition, "", ql, problems, top=True)
    if machine is not None:
        machine.timeout_seconds = timeout
    return machine


def build_machine(
    raw: Any, where: str, query_language: str, problems: list[str], *, top: bool = False
) -> StateMachine | None:
    """Parse StartAt/States of a (sub-)machine and check its transitions and reachability."""
    label = where or "definition"
    if not isinstance(raw, dict):
        problems.append(f"{label} must be an object with StartAt and States")
        return None
    if not top:
        for key in raw:
            if key not in SUB_FIELDS:
                problems.append(f"{label}: field '{key}' is not allowed")
    query_language = raw.get("QueryLanguage", query_language)
    start_at = raw.get("StartAt")
    raw_states = raw.get("States")
    if not isinstance(start_at, str):
        problems.append(f"{label}: missing required field 'StartAt'")
    if not isinstance(raw_states, dict) or not raw_states:
        problems.append(f"{label}: missing required field 'States' (a non-empty object)")
        return None
    states: dict[str, State] = {}
    for name, body in raw_states.items():
        at = f"{where}.States.{name}" if where else f"States.{name}"
        if len(name) > 80:
            problems.append(f"{at}: state names are at most 80 characters")
        if not isinstance(body, dict):
            problems.append(f"{at} must be an object")
            continue
        cls = STATE_TYPES.get(body.get("Type"))  # type: ignore[arg-type]
        if cls is None:
            problems.append(f"{at}: unknown or missing Type {body.get('Type')!r}")
            continue
        states[name] = cls(
            name,
            body,
            query_language=query_language,
            where=at,
            problems=problems,
            build_machine=lambda r, w, ql: build_machine(r, w, ql, problems),
        )
    if isinstance(start_at, str) and start_at not in raw_states:
        problems.append(f"{label}: StartAt '{start_at}' is not a state")
    for state in states.values():
        for target in state.successors():
            if target not in raw_states:
                problems.append(f"{state.where}: transition to unknown state '{target}'")
    if isinstance(start_at, str) and start_at in raw_states:
        seen, todo = {start_at}, [start_at]
        while todo:
            st = states.get(todo.pop())
            for target in st.successors() if st else []:
                if target in raw_states and target not in seen:
                    seen.add(target)
                    todo.append(target)
        for name in raw_states:
            if name not in seen:
                at = f"{where}.States.{name}" if where else f"States.{name}"
                problems.append(f"{at}: state is not reachable from StartAt")
    return StateMachine(
        start_at if isinstance(start_at, str) else "", states, query_language, raw=raw
    )
