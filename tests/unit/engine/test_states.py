"""Each state type on its own: Pass, Choice, Wait, Succeed, Fail, context object, JSONata."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from orchestrator.engine import Decision
from tests.unit.engine.engine_fakes import T0, Driver


def run(states: dict[str, Any], input_: Any, start: str = "S", **top: Any) -> Decision:
    d = Driver({"StartAt": start, "States": states, **top}, input_)
    while d.last.outcome is None:
        assert d.timers, "execution is waiting on nothing"
        d.fire_next()
    return d.last


def output(states: dict[str, Any], input_: Any, **top: Any) -> Any:
    decision = run(states, input_, **top)
    assert decision.outcome is not None
    assert decision.outcome.status == "SUCCEEDED", decision.outcome
    return decision.outcome.output


def test_pass_result_result_path_and_output_path() -> None:
    states = {
        "S": {
            "Type": "Pass",
            "Result": {"r": 1},
            "ResultPath": "$.res",
            "OutputPath": "$.res",
            "End": True,
        }
    }
    assert output(states, {"a": 1}) == {"r": 1}


def test_pass_parameters_with_context_and_intrinsics() -> None:
    states = {
        "S": {
            "Type": "Pass",
            "End": True,
            "Parameters": {
                "name.$": "$$.State.Name",
                "when.$": "$$.State.EnteredTime",
                "greeting.$": "States.Format('hi {}', $.who)",
                "n.$": "States.ArrayLength($.xs)",
            },
        }
    }
    assert output(states, {"who": "bob", "xs": [1, 2]}) == {
        "name": "S",
        "when": "2024-05-01T12:00:00.000Z",
        "greeting": "hi bob",
        "n": 2,
    }


def test_input_path_null_gives_empty_object() -> None:
    assert output({"S": {"Type": "Pass", "InputPath": None, "End": True}}, {"a": 1}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, "small"), (50, "big"), ("x", "other"), (None, "other")],
)
def test_choice_rules_and_default(value: Any, expected: str) -> None:
    states = {
        "S": {
            "Type": "Choice",
            "Default": "other",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.v", "IsNumeric": True},
                        {"Variable": "$.v", "NumericLessThan": 10},
                    ],
                    "Next": "small",
                },
                {"Variable": "$.v", "NumericGreaterThanEquals": 10, "Next": "big"},
            ],
        },
        "small": {"Type": "Pass", "Result": "small", "End": True},
        "big": {"Type": "Pass", "Result": "big", "End": True},
        "other": {"Type": "Pass", "Result": "other", "End": True},
    }
    assert output(states, {"v": value}) == expected


def test_choice_without_match_or_default_fails_no_choice_matched() -> None:
    states = {
        "S": {"Type": "Choice", "Choices": [{"Variable": "$.v", "StringEquals": "x", "Next": "T"}]},
        "T": {"Type": "Succeed"},
    }
    outcome = run(states, {"v": "y"}).outcome
    assert outcome is not None
    assert (outcome.status, outcome.error) == ("FAILED", "States.NoChoiceMatched")


def test_wait_seconds_requests_a_timer_and_history() -> None:
    d = Driver({"StartAt": "S", "States": {"S": {"Type": "Wait", "Seconds": 90, "End": True}}}, 1)
    (timer,) = d.last.timers
    assert timer.due_at == T0 + timedelta(seconds=90)
    out = d.fire(timer.timer_id)
    assert [h.type for h in out.history] == ["WaitStateExited", "ExecutionSucceeded"]
    assert out.outcome is not None and out.outcome.output == 1


def test_wait_timestamp_path() -> None:
    d = Driver(
        {"StartAt": "S", "States": {"S": {"Type": "Wait", "TimestampPath": "$.at", "End": True}}},
        {"at": "2024-05-01T13:00:00Z"},
    )
    (timer,) = d.last.timers
    assert timer.due_at == T0 + timedelta(hours=1)


def test_fail_error_path_and_cause_path() -> None:
    states = {"S": {"Type": "Fail", "ErrorPath": "$.e.Error", "CausePath": "$.e.Cause"}}
    outcome = run(states, {"e": {"Error": "Oops", "Cause": "because"}}).outcome
    assert outcome is not None
    assert (outcome.status, outcome.error, outcome.cause) == ("FAILED", "Oops", "because")


def test_succeed_ends_with_its_input() -> None:
    assert output({"S": {"Type": "Succeed", "OutputPath": "$.a"}}, {"a": [1]}) == [1]


def test_execution_timeout_times_out() -> None:
    states = {"S": {"Type": "Wait", "Seconds": 100, "End": True}}
    outcome = run(states, {}, TimeoutSeconds=10).outcome
    assert outcome is not None
    assert (outcome.status, outcome.error) == ("TIMED_OUT", "States.Timeout")


def test_variables_assign_and_read() -> None:
    states = {
        "S": {"Type": "Pass", "Assign": {"x": 1, "y.$": "$.v"}, "Next": "T"},
        "T": {"Type": "Pass", "Parameters": {"x.$": "$x", "y.$": "$y"}, "End": True},
    }
    assert output(states, {"v": "vee"}) == {"x": 1, "y": "vee"}


def test_jsonata_pass_output_assign_and_states_input() -> None:
    states = {
        "S": {"Type": "Pass", "Assign": {"total": "{% $sum($states.input.xs) %}"}, "Next": "T"},
        "T": {"Type": "Pass", "Output": {"t": "{% $total * 2 %}"}, "End": True},
    }
    assert output(states, {"xs": [1, 2, 3]}, QueryLanguage="JSONata") == {"t": 12}


def test_jsonata_undefined_is_a_query_evaluation_error() -> None:
    states = {"S": {"Type": "Pass", "Output": "{% $nope %}", "End": True}}
    outcome = run(states, {}, QueryLanguage="JSONata").outcome
    assert outcome is not None
    assert outcome.error == "States.QueryEvaluationError"
    assert "(entered at the event id #2)" in (outcome.cause or "")
