"""Every ASL conformance case, run through the engine on a virtual clock.

A case named in conformance-expectations.txt is a known gap (xfail, strict: it must still
fail, so a fix forces the file to be updated). Every other case must pass. The same holds for
the histories AWS recorded (292 cases) and history-expectations.txt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine.conformance import (
    DEFAULT_DIR,
    load_cases,
    read_expectations,
    run_case,
    run_case_full,
)

REPO = Path(__file__).resolve().parents[2]
EXPECTATIONS = REPO / "conformance-expectations.txt"
HISTORY_EXPECTATIONS = REPO / "history-expectations.txt"
CASES = load_cases(DEFAULT_DIR) if DEFAULT_DIR.is_dir() else []
KNOWN = read_expectations(EXPECTATIONS)
KNOWN_HISTORIES = read_expectations(HISTORY_EXPECTATIONS)
WITH_HISTORY = [c for c in CASES if "history" in c["expected"]]


def _params(cases: list[dict[str, Any]], known: dict[str, str]) -> list[Any]:
    out = []
    for case in cases:
        marks = []
        if case["name"] in known:
            marks.append(pytest.mark.xfail(strict=True, reason=known[case["name"]]))
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


@pytest.mark.skipif(not CASES, reason=f"no conformance cases at {DEFAULT_DIR}")
@pytest.mark.parametrize("case", _params(CASES, KNOWN))
def test_case(case: dict[str, Any]) -> None:
    reason = run_case(case)
    assert reason is None, reason


@pytest.mark.skipif(not WITH_HISTORY, reason=f"no recorded histories at {DEFAULT_DIR}")
@pytest.mark.parametrize("case", _params(WITH_HISTORY, KNOWN_HISTORIES))
def test_history(case: dict[str, Any]) -> None:
    reason = run_case_full(case).history_reason(case)
    assert reason is None, reason


def test_expectations_name_real_cases() -> None:
    names = {c["name"] for c in CASES}
    recorded = {c["name"] for c in WITH_HISTORY}
    unknown = sorted(set(KNOWN) - names) if CASES else []
    assert unknown == [], f"expectations name cases that do not exist: {unknown}"
    unknown = sorted(set(KNOWN_HISTORIES) - recorded) if CASES else []
    assert unknown == [], f"history expectations name cases without a history: {unknown}"
