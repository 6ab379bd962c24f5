"""parse_definition / validate_definition: every problem, at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.engine import DefinitionError, parse_definition, validate_definition

WORKFLOW = Path(__file__).resolve().parents[3] / "orchestrator/workflows/order-fulfillment.asl.json"


def test_the_order_workflow_is_valid() -> None:
    assert validate_definition(json.loads(WORKFLOW.read_text())) == []
    assert validate_definition(WORKFLOW.read_text()) == []


def test_every_problem_is_reported_at_once() -> None:
    definition = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "Nowhere"},
            "B": {"Type": "Pass", "End": True},
            "C": {"Type": "Task", "Resource": "arn:aws:lambda:x", "End": True},
            "D": {"Type": "Pass"},
            "E": {"Type": "Pass", "End": True, "Bogus": 1, "InputPath": "no-dollar"},
            "F": {
                "Type": "Pass",
                "End": True,
                "Parameters": {"x.$": "States.Nope(1)", "y.$": "$.a[?("},
            },
            "G": {"Type": "Wait", "End": True},
            "H": {"Type": "Task", "End": True},
            "I": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "B"}]},
        },
    }
    problems = validate_definition(definition)
    text = "\n".join(problems)
    for expected in [
        "States.A: transition to unknown state 'Nowhere'",
        "States.B: state is not reachable",
        "unsupported Task Resource 'arn:aws:lambda:x'",
        "States.D: missing 'Next'",
        "field 'Bogus' is not allowed in a Pass state",
        "States.E.InputPath",
        "States.F.Parameters.x.$",
        "States.F.Parameters.y.$",
        "States.G: exactly one of Seconds",
        "States.H: missing required field 'Resource'",
        "States.I.Choices[0]: a Choice Rule needs exactly one comparison operator",
    ]:
        assert expected in text, f"{expected!r} not in:\n{text}"
    with pytest.raises(DefinitionError) as info:
        parse_definition(definition)
    assert info.value.problems == problems


def test_missing_start_at_and_bad_json() -> None:
    assert any("StartAt" in p for p in validate_definition({"States": {"A": {"Type": "Succeed"}}}))
    assert validate_definition("{not json")[0].startswith("definition is not valid JSON")


def test_retry_and_catch_fields_are_checked() -> None:
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "rabbitmq:q",
                "End": True,
                "Retry": [
                    {"ErrorEquals": ["States.ALL"], "BackoffRate": 0.5},
                    {"ErrorEquals": [], "JitterStrategy": "SOME"},
                ],
                "Catch": [{"ErrorEquals": ["E"]}],
            }
        },
    }
    text = "\n".join(validate_definition(definition))
    assert "BackoffRate must be a number >= 1.0" in text
    assert "States.ALL must appear alone, in the last element" in text
    assert "ErrorEquals must be a non-empty array" in text
    assert "JitterStrategy must be FULL or NONE" in text
    assert "Catch[0]: Next is required" in text


def test_jsonpath_fields_are_rejected_in_jsonata_states() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": "$.x", "Output": "{% 1 + %}", "End": True}},
    }
    text = "\n".join(validate_definition(definition))
    assert "'InputPath' is not allowed when QueryLanguage is JSONata" in text
    assert "States.P.Output: invalid JSONata expression" in text


def test_problems_inside_parallel_branches_and_map_processors() -> None:
    definition = {
        "StartAt": "Par",
        "States": {
            "Par": {
                "Type": "Parallel",
                "Next": "Map",
                "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "Y"}}}],
            },
            "Map": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "Z", "States": {"Z": {"Type": "Nope"}}},
            },
        },
    }
    text = "\n".join(validate_definition(definition))
    assert "States.Par.Branches[0].States.X: transition to unknown state 'Y'" in text
    assert "States.Map.ItemProcessor.States.Z: unknown or missing Type 'Nope'" in text
