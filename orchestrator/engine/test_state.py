"""TestState: run one state alone on a given input, as AWS's TestState API does.

    response = run_test_state(request, now=now, entropy=entropy)

`request` is the parsed TestState request: `definition` (one state, or a whole machine with
`stateName`), `input`, `inspectionLevel` (INFO | DEBUG | TRACE), `variables`; `roleArn` and
`revealSecrets` are accepted and have nothing to do here. `definition`, `input` and `variables`
are JSON text as on the wire (parsed values are taken too). The response has AWS's shape:
`status` (SUCCEEDED | FAILED | RETRIABLE | CAUGHT_ERROR), `output` (JSON text), `error`, `cause`,
`nextState` and, at DEBUG and TRACE, `inspectionData` (with `variables` after the state, when
there are any). The state runs through the engine itself:
one state entered, executed and left, never the state after it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from .api import Entropy, ExecutionContext, ExecutionState
from .errors import StatesError
from .machine import StateMachine, parse_definition
from .paths import to_json
from .runtime import ROOT, Runtime, Thread
from .states.base import State
from .states.map_ import MapState
from .states.parallel import ParallelState
from .test_state_inspection import ReplayEntropy, inspection_data

LEVELS = ("INFO", "DEBUG", "TRACE")
# What AWS's TestState cannot run (Map, Parallel) and what needs a worker here (Task).
UNSUPPORTED = frozenset({"Map", "Parallel", "Task"})
SINGLE_STATE_NAME = "TestState"


class TestStateRequestError(ValueError):
    """A request TestState refuses (AWS answers ValidationException or InvalidDefinition; a
    definition that does not validate raises DefinitionError instead)."""

    __test__ = False  # not a pytest class, whatever its name


def run_test_state(request: dict[str, Any], *, now: datetime, entropy: Entropy) -> dict[str, Any]:
    """AWS's TestState response for `request` (see the module docstring)."""
    level = request.get("inspectionLevel", "INFO")
    if level not in LEVELS:
        raise TestStateRequestError(f"inspectionLevel must be one of {', '.join(LEVELS)}")
    definition = _json(request.get("definition"), "definition")
    if not isinstance(definition, dict):
        raise TestStateRequestError("definition must be a JSON object")
    data = _json(request.get("input", "{}"), "input")
    variables = _json(request.get("variables", "{}"), "variables") or {}
    if not isinstance(variables, dict):
        raise TestStateRequestError("variables must be a JSON object")
    machine, path, name = _locate(definition, request.get("stateName"))
    state = machine.resolve(path).states[name]
    if state.type_name in UNSUPPORTED:
        raise TestStateRequestError(f"TestState does not run {state.type_name} states here")
    execution_id = f"arn:aws:states:::execution:{SINGLE_STATE_NAME}:test"
    ctx = ExecutionContext(execution_id, "test", SINGLE_STATE_NAME, 1, now, data)
    replay = ReplayEntropy(entropy)
    rt = Runtime(machine, ctx, ExecutionState.empty(), now, replay)
    th = rt.spawn(None, path, data, ROOT)
    rt.ready.clear()  # run by hand below: one state, not the machine from it on
    th.state = name
    if variables:
        th.assign(variables)
    rt.enter(th, state)
    inspection = inspection_data(rt, th, state) if level != "INFO" else None
    replay.replay()  # the state itself draws the same uuids the inspection drew
    response = _run(rt, th, state)
    if inspection is not None:
        if scope := dict(rt.variables(th)):  # given ones and what the state assigned
            inspection["variables"] = to_json(scope)
        response["inspectionData"] = inspection
    return response


def _run(rt: Runtime, th: Thread, state: State) -> dict[str, Any]:
    try:
        state.execute(rt, th)
        if th.phase == "wait":  # TestState does not wait: the Wait is over at once
            rt.cancel_thread_timers(th)
            state.on_timer(rt, th, "wait", "")
    except StatesError as exc:
        rt.state_failed(th, state, exc)
        response = _error(exc)
        if th.phase == "retry":
            rt.cancel_thread_timers(th)
            return response | {"status": "RETRIABLE"}
        if th.phase == "run":  # a Catcher took it
            return response | {
                "status": "CAUGHT_ERROR",
                "nextState": th.state,
                "output": to_json(th.input),
            }
        return response | {"status": "FAILED"}
    outcome = rt.core["outcome"]
    if th.phase == "failed":  # a Fail state
        return _error(StatesError(th.cause, error=th.error)) | {"status": "FAILED"}
    if outcome is not None:  # End, or a Succeed state
        return {"status": "SUCCEEDED", "output": to_json(outcome["output"])}
    return {"status": "SUCCEEDED", "output": to_json(th.input), "nextState": th.state}


def _error(exc: StatesError) -> dict[str, Any]:
    return {k: v for k, v in (("error", exc.error), ("cause", exc.cause)) if v is not None}


def _locate(
    definition: dict[str, Any], state_name: str | None
) -> tuple[StateMachine, list[Any], str]:
    """The machine to run in, the path to the sub-machine holding the state, and its name."""
    if "Type" in definition:  # one state: a machine of it, its targets stubbed
        name = state_name or SINGLE_STATE_NAME
        states: dict[str, Any] = {name: definition}
        for target in _targets(definition):
            states.setdefault(target, {"Type": "Succeed"})
        return parse_definition({"StartAt": name, "States": states}), [], name
    machine = parse_definition(definition)
    name = state_name or machine.start_at
    path = _find(machine, name, [])
    if path is None:
        raise TestStateRequestError(f"stateName '{name}' is not a state of the definition")
    return machine, path, name


def _find(machine: StateMachine, name: str, path: list[Any]) -> list[Any] | None:
    """The path (state, branch index, ...) to the sub-machine that holds state `name`."""
    if name in machine.states:
        return path
    for state_name, state in machine.states.items():
        for index, sub in enumerate(_sub_machines(state)):
            found = _find(sub, name, [*path, state_name, index])
            if found is not None:
                return found
    return None


def _sub_machines(state: State) -> list[StateMachine]:
    if isinstance(state, ParallelState):
        return state.branches
    if isinstance(state, MapState) and state.processor is not None:
        return [state.processor]
    return []


def _targets(raw: dict[str, Any]) -> list[str]:
    """Every state a single state's definition can go to."""
    out = [raw.get("Next"), raw.get("Default")]
    out += [rule.get("Next") for rule in raw.get("Choices") or [] if isinstance(rule, dict)]
    out += [c.get("Next") for c in raw.get("Catch") or [] if isinstance(c, dict)]
    return [t for t in out if isinstance(t, str)]


def _json(value: Any, what: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise TestStateRequestError(f"{what} is not valid JSON: {exc}") from exc
