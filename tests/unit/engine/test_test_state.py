"""TestState beyond the recorded cases: errors, Choice and Wait, variables, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from orchestrator.engine import DefinitionError
from orchestrator.engine.test_state import TestStateRequestError, run_test_state

from .engine_fakes import FakeEntropy

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def call(definition: dict[str, Any], input: Any = None, **params: Any) -> dict[str, Any]:
    request = {"definition": json.dumps(definition), "input": json.dumps(input or {}), **params}
    return run_test_state(request, now=NOW, entropy=FakeEntropy())


def test_an_error_fails_the_state_with_aws_error_and_cause() -> None:
    failed = call(
        {"Type": "Pass", "InputPath": "$.missing", "Next": "Done"}, inspectionLevel="DEBUG"
    )
    assert failed["status"] == "FAILED" and failed["error"] == "States.Runtime"
    assert "Invalid path '$.missing'" in failed["cause"]
    assert "output" not in failed and "nextState" not in failed
    assert failed["inspectionData"] == {"input": "{}"}


def test_a_choice_reports_its_target_and_a_wait_does_not_wait() -> None:
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
        "Default": "Small",
    }
    assert call(choice, {"n": 2})["nextState"] == "Big"
    assert call(choice, {"n": 0})["nextState"] == "Small"
    wait = call({"Type": "Wait", "Seconds": 3600, "Next": "After"}, {"a": 1})
    assert wait == {"status": "SUCCEEDED", "output": '{"a":1}', "nextState": "After"}


def test_variables_go_in_and_come_out_in_the_inspection_data() -> None:
    definition = {
        "Type": "Pass",
        "QueryLanguage": "JSONata",
        "Output": "{% $x + 1 %}",
        "Assign": {"y": "{% $x * 2 %}"},
        "End": True,
    }
    response = call(definition, variables='{"x": 20}', inspectionLevel="DEBUG")
    assert response["output"] == "21"
    assert json.loads(response["inspectionData"]["variables"]) == {"x": 20, "y": 40}
    assert "inspectionData" not in call(definition, variables='{"x": 1}')


def test_a_state_of_a_whole_machine_is_found_by_name_even_inside_a_map() -> None:
    machine = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Succeed"}}},
                "End": True,
            }
        },
    }
    assert call(machine, {"v": 1}, stateName="Inner")["output"] == '{"v":1}'
    with pytest.raises(TestStateRequestError):
        call(machine, stateName="M")  # Map: AWS's TestState does not run it either
    with pytest.raises(TestStateRequestError):
        call(machine, stateName="Nowhere")
    with pytest.raises(DefinitionError):
        call({"StartAt": "X", "States": {}})
    with pytest.raises(TestStateRequestError):
        call({"Type": "Pass", "End": True}, inspectionLevel="LOUD")
