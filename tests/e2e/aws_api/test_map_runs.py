"""ListMapRuns through boto3: the Map Runs of DISTRIBUTED Maps, as the history names them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import ACCOUNT, REGION, unique, wait_for_status

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def distributed_map(label: str) -> dict[str, Any]:
    return {
        "Type": "Map",
        "Label": label,
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Double",
            "States": {"Double": {"Type": "Pass", "End": True}},
        },
    }


def test_the_map_runs_of_an_execution_are_listed(sfn: Any) -> None:
    definition = {
        "StartAt": "First",
        "States": {
            "First": {**distributed_map("first"), "Next": "Second"},
            "Second": {**distributed_map("second"), "End": True},
        },
    }
    name = unique("maps")
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3]")["executionArn"]
    wait_for_status(sfn, execution, "SUCCEEDED")

    history = sfn.get_execution_history(executionArn=execution)["events"]
    started = [e for e in history if e["type"] == "MapRunStarted"]
    in_history = [e["mapRunStartedEventDetails"]["mapRunArn"] for e in started]
    prefix = f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:{name}/"
    assert [a.startswith(f"{prefix}first:") for a in in_history] == [True, False]
    assert in_history[1].startswith(f"{prefix}second:")

    first_page = sfn.list_map_runs(executionArn=execution, maxResults=1)
    rest = sfn.list_map_runs(executionArn=execution, nextToken=first_page["nextToken"])
    runs = first_page["mapRuns"] + rest["mapRuns"]
    assert "nextToken" not in rest
    assert [run["mapRunArn"] for run in runs] == in_history
    assert [run["stateMachineArn"] for run in runs] == [
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}/first",
        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}/second",
    ]
    for run, event in zip(runs, started, strict=True):
        assert run["executionArn"] == execution
        assert run["startDate"] == event["timestamp"]
        assert run["startDate"] <= run["stopDate"]


def test_an_execution_without_distributed_maps_has_no_map_runs(sfn: Any) -> None:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(
        name=unique("plain"), definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert sfn.list_map_runs(executionArn=execution)["mapRuns"] == []
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.list_map_runs(executionArn=f"{execution}-gone")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.list_map_runs(executionArn="arn:aws:states:nowhere")
