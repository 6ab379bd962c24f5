"""Checks of the parts contract (api.Decision), for the conformance runner and the tests.

Freeze the state before the event, handle the event, ask `contract_problems` what the decision
broke, and go on from `stored(state, decision)`: what a shell would read back next time.
"""

from __future__ import annotations

import json
from typing import Any

from .api import Decision, ExecutionState


def freeze(state: ExecutionState) -> str:
    """A canonical text of every part, to show later that the engine left them alone."""
    return json.dumps(dict(state.parts), sort_keys=True)


def stored(state: ExecutionState, decision: Decision) -> ExecutionState:
    """The next state as a shell keeps it: only the changed parts, through JSON, applied to the
    previous state (never `decision.state` itself)."""
    changed = json.loads(json.dumps(decision.changed_parts))
    return state.updated(changed, decision.removed_parts)


def contract_problems(before: ExecutionState, snapshot: str, decision: Decision) -> list[str]:
    """What `decision` (made from `before`, frozen as `snapshot`) breaks of the contract."""
    problems = []
    if freeze(before) != snapshot:
        problems.append("the input state was mutated")
    changed, removed = decision.changed_parts, decision.removed_parts
    if decision.ignored is not None:
        if changed or removed or decision.state is not before:
            problems.append("an ignored event changed the state")
        return problems
    if changed.keys() & removed:
        problems.append(f"parts both changed and removed: {sorted(changed.keys() & removed)}")
    for key in sorted(removed - before.parts.keys()):
        problems.append(f"removed part {key!r} was not in the input state")
    expected = {k: v for k, v in before.parts.items() if k not in removed} | changed
    if dict(decision.state.parts) != expected:
        problems.append("state.parts is not the input state with the changes applied")
    for key, value in changed.items():
        bad = _not_json(value)
        if bad:
            problems.append(f"part {key!r} is not plain JSON: {bad}")
    return problems


def _not_json(value: Any) -> str | None:
    """Why `value` would not survive a JSON round trip unchanged (tuples, sets, ...), if so."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if value == value and abs(value) != float("inf") else "NaN or infinity"
    if isinstance(value, list):
        return next((bad for v in value if (bad := _not_json(v))), None)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "a key that is not a string"
        return next((bad for v in value.values() if (bad := _not_json(v))), None)
    return type(value).__name__
