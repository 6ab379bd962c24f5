"""Run the TestState cases recorded against AWS (`asl-conformance/test_state/`).

    python -m orchestrator.engine.test_state_conformance [DIR]

Each case holds a TestState request (`definition`, `input_raw`, `test_state_params`) and AWS's
response with `output` and `inspectionData` values decoded from their JSON text. Prints one line
per case that differs and `test state: N of M identical to AWS's`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .conformance import DEFAULT_DIR, START, CaseEntropy, load_cases
from .history_compare import matches
from .test_state import run_test_state

TEST_STATE_DIR = DEFAULT_DIR.parent / "test_state"
_JSON_TEXT = frozenset({"output"})


def request_of(case: dict[str, Any]) -> dict[str, Any]:
    """The TestState request a case recorded, as a client sends it (JSON text fields)."""
    raw_input = case.get("input_raw", json.dumps(case.get("input", {})))
    return {
        "definition": json.dumps(case["definition"]),
        "input": raw_input,
        **case.get("test_state_params", {}),
    }


def run_test_state_case(case: dict[str, Any]) -> str | None:
    """None when our response is AWS's, else the first difference."""
    try:
        response = run_test_state(request_of(case), now=START, entropy=CaseEntropy(case["name"]))
    except Exception as exc:  # a refusal is a difference like any other
        return f"refused: {type(exc).__name__}: {exc}"
    return response_difference(case["expected"], response)


def response_difference(expected: dict[str, Any], response: dict[str, Any]) -> str | None:
    for key in sorted(expected.keys() | response.keys()):
        if key not in response or key not in expected:
            return f"{key} {'missing' if key not in response else 'not expected'}"
        want, got = expected[key], response[key]
        if key == "inspectionData":
            if problem := _inspection_difference(want, got):
                return problem
        elif not matches(want, json.loads(got) if key in _JSON_TEXT else got):
            return f"{key} {got!r}, expected {want!r}"
    return None


def _inspection_difference(want: dict[str, Any], got: dict[str, str]) -> str | None:
    for key in sorted(want.keys() | got.keys()):
        if key not in got or key not in want:
            return f"inspectionData.{key} {'missing' if key not in got else 'not expected'}"
        if not matches(want[key], json.loads(got[key])):
            return f"inspectionData.{key} {got[key]}, expected {json.dumps(want[key])}"
    return None


def main(argv: list[str]) -> int:
    directory = Path(argv[0]) if argv else TEST_STATE_DIR
    cases = load_cases(directory)
    differing = 0
    for case in cases:
        if (reason := run_test_state_case(case)) is not None:
            differing += 1
            print(f"{case['name']}: {reason}")
    print(f"test state: {len(cases) - differing} of {len(cases)} identical to AWS's")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
