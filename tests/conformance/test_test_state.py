"""The TestState cases recorded against AWS, through orchestrator.engine.test_state.

A case named in test-state-expectations.txt is a known difference (xfail, strict); every other
case must give AWS's response exactly (output, error, cause, nextState, inspectionData)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine.conformance import load_cases, read_expectations
from orchestrator.engine.test_state_conformance import TEST_STATE_DIR, run_test_state_case

EXPECTATIONS = Path(__file__).resolve().parents[2] / "test-state-expectations.txt"
CASES = load_cases(TEST_STATE_DIR) if TEST_STATE_DIR.is_dir() else []
KNOWN = read_expectations(EXPECTATIONS)


def _params() -> list[Any]:
    out = []
    for case in CASES:
        marks = []
        if case["name"] in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case["name"]]))
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


@pytest.mark.skipif(not CASES, reason=f"no TestState cases at {TEST_STATE_DIR}")
@pytest.mark.parametrize("case", _params())
def test_test_state_case(case: dict[str, Any]) -> None:
    reason = run_test_state_case(case)
    assert reason is None, reason


def test_all_36_cases_are_there_and_expectations_name_real_ones() -> None:
    assert len(CASES) == 36
    assert sorted(set(KNOWN) - {c["name"] for c in CASES}) == []
