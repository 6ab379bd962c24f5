"""The conformance runner itself notices wrong outputs, errors and causes."""

from __future__ import annotations

import copy
from typing import Any

from orchestrator.engine.conformance import json_equal, run_case

CASE: dict[str, Any] = {
    "name": "runner-self-test",
    "definition": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}},
    "input": {},
    "expected": {"status": "FAILED", "error": "E", "cause": "C"},
}


def test_matching_case_passes() -> None:
    assert run_case(CASE) is None


def test_wrong_error_or_cause_or_status_is_reported() -> None:
    for key, value in (("error", "X"), ("cause", "other"), ("status", "SUCCEEDED")):
        case = copy.deepcopy(CASE)
        case["expected"][key] = value
        assert run_case(case) is not None, key
    redacted = copy.deepcopy(CASE)
    redacted["expected"].update(cause="other", cause_redacted=True)
    assert run_case(redacted) is None


def test_wrong_output_is_reported() -> None:
    case: dict[str, Any] = {
        "name": "runner-output",
        "definition": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "input": {"a": 1},
        "expected": {"status": "SUCCEEDED", "output": {"a": True}},
    }
    assert run_case(case) is not None
    case["expected"]["output"] = {"a": 1.0}
    assert run_case(case) is None


def test_json_equal_distinguishes_booleans_from_numbers() -> None:
    assert json_equal({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not json_equal(True, 1)
    assert not json_equal([1], [1, 2])


def test_a_different_history_is_reported() -> None:
    from orchestrator.engine.conformance import run_case_full

    case = copy.deepcopy(CASE)
    case["expected"]["history"] = [
        {
            "id": 1,
            "previousEventId": 0,
            "timestamp": "timestamp",
            "type": "ExecutionStarted",
            "executionStartedEventDetails": {
                "input": {},
                "inputDetails": {"truncated": False},
                "roleArn": "snf_role_arn",
            },
        },
        {
            "id": 2,
            "previousEventId": 0,
            "timestamp": "timestamp",
            "type": "FailStateEntered",
            "stateEnteredEventDetails": {
                "input": {},
                "inputDetails": {"truncated": False},
                "name": "F",
            },
        },
        {
            "id": 3,
            "previousEventId": 2,
            "timestamp": "timestamp",
            "type": "ExecutionFailed",
            "executionFailedEventDetails": {"error": "E", "cause": "C"},
        },
    ]
    assert run_case_full(case).history_reason(case) is None
    case["expected"]["history"][2]["executionFailedEventDetails"]["cause"] = "other"
    assert "cause" in str(run_case_full(case).history_reason(case))
    case["expected"]["history"][2]["executionFailedEventDetails"]["cause"] = "C"
    case["expected"]["history"][1]["previousEventId"] = 1
    assert "previousEventId" in str(run_case_full(case).history_reason(case))
