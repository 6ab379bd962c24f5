"""Every ASL conformance case, run through the engine on a virtual clock.

A case named in conformance-expectations.txt is a known gap (xfail, strict: it must still
fail, so a fix forces the file to be updated). Every other case must pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine.conformance import DEFAULT_DIR, load_cases, read_expectations, run_case

EXPECTATIONS = Path(__file__).resolve().parents[2] / "conformance-expectations.txt"
CASES = load_cases(DEFAULT_DIR) if DEFAULT_DIR.is_dir() else []
KNOWN = read_expectations(EXPECTATIONS)


def _params() -> list[Any]:
    out = []
    for case in CASES:
        marks = []
        if case["name"] in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case["name"]]))
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


@pytest.mark.skipif(not CASES, reason=f"no conformance cases at {DEFAULT_DIR}")
@pytest.mark.parametrize("case", _params())
def test_case(case: dict[str, Any]) -> None:
    reason = run_case(case)
    assert reason is None, reason


def test_expectations_name_real_cases() -> None:
    names = {c["name"] for c in CASES}
    unknown = sorted(set(KNOWN) - names) if CASES else []
    assert unknown == [], f"expectations name cases that do not exist: {unknown}"
