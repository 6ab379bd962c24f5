"""The state's parts: PartMap, the copy-on-write working copy, and the contract checker."""

from __future__ import annotations

import random
from typing import Any

import pytest

from orchestrator.engine import Decision, ExecutionState
from orchestrator.engine.contract import contract_problems, freeze
from orchestrator.engine.parts import PartMap, WorkingParts


def test_part_map_behaves_like_the_dict_it_was_built_from() -> None:
    rng = random.Random(7)
    model: dict[str, Any] = {}
    parts = PartMap()
    for _ in range(300):
        changed = {f"k{rng.randrange(500)}": rng.random() for _ in range(rng.randrange(8))}
        removed = {f"k{rng.randrange(500)}" for _ in range(rng.randrange(8))} - changed.keys()
        before, snapshot = parts, dict(parts)
        parts = parts.updated(changed, removed)
        for key in removed:
            model.pop(key, None)
        model.update(changed)
        assert dict(before) == snapshot, "updated changed the map it was called on"
        assert parts == model and len(parts) == len(model)
    assert all(key in parts for key in model) and "absent" not in parts
    with pytest.raises(KeyError):
        parts["absent"]
    assert PartMap(model) == model


def test_updated_without_changes_is_the_same_map() -> None:
    parts = PartMap({"a": 1})
    assert parts.updated({}, ()) is parts
    assert parts.updated({}, ["missing"]) == {"a": 1}


def test_working_parts_copy_a_part_only_to_change_it() -> None:
    shared = {"n": 1, "list": [1]}
    base = PartMap({"a": shared, "b": {"n": 2}, "gone": 1})
    work = WorkingParts(base)
    assert work.get("a") is shared  # reading copies nothing
    edited = work.edit("a")
    edited["list"].append(2)
    assert shared == {"n": 1, "list": [1]}
    assert work.edit("a") is edited  # copied once per decision
    work.put("new", {"x": 1})
    work.put("temporary", 1)
    work.delete("temporary")  # created and removed: in neither
    work.delete("gone")
    changed, removed = work.changes()
    assert changed == {"a": {"n": 1, "list": [1, 2]}, "new": {"x": 1}}
    assert removed == {"gone"}
    assert "gone" not in work and work.get("gone") is None
    assert "b" not in changed


def test_the_contract_checker_notices_a_mutated_input_and_non_json_values() -> None:
    before = ExecutionState(PartMap({"a": {"n": 1}}))
    snapshot = freeze(before)
    before.parts["a"]["n"] = 2  # what the engine must never do
    decision = Decision(
        state=before.updated({"t": (1, 2)}), changed_parts={"t": (1, 2)}, removed_parts=frozenset()
    )
    problems = contract_problems(before, snapshot, decision)
    assert any("mutated" in p for p in problems)
    assert any("not plain JSON" in p for p in problems)


def test_the_contract_checker_notices_a_state_that_is_not_the_sum_of_its_changes() -> None:
    before = ExecutionState(PartMap({"a": 1, "b": 2}))
    wrong = Decision(
        state=ExecutionState(PartMap({"a": 1})),
        changed_parts={"a": 1},
        removed_parts=frozenset({"a"}),
    )
    problems = contract_problems(before, freeze(before), wrong)
    assert any("both changed and removed" in p for p in problems)
    assert any("changes applied" in p for p in problems)
