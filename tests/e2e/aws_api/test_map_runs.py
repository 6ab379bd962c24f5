"""ListMapRuns through boto3: the Map Runs of DISTRIBUTED Maps, as the history names them."""

from __future__ import annotations

import json
import uuid
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


# ---- DescribeMapRun ---------------------------------------------------------------------------


def map_machine(sfn: Any, processor_states: dict[str, Any], **map_fields: Any) -> str:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "Label": "each",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": next(iter(processor_states)),
                    "States": processor_states,
                },
                "End": True,
                **map_fields,
            }
        },
    }
    return str(
        sfn.create_state_machine(
            name=unique("described"), definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
    )


def only_map_run(sfn: Any, execution: str) -> str:
    [run] = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    return str(run["mapRunArn"])


def test_a_finished_map_run_is_described_with_its_figures(sfn: Any) -> None:
    machine = map_machine(
        sfn,
        {"Double": {"Type": "Pass", "End": True}},
        MaxConcurrency=2,
        ToleratedFailureCount=1,
    )
    execution = sfn.start_execution(stateMachineArn=machine, input="[1, 2, 3, 4, 5]")[
        "executionArn"
    ]
    wait_for_status(sfn, execution, "SUCCEEDED")
    run = sfn.describe_map_run(mapRunArn=only_map_run(sfn, execution))
    assert run["executionArn"] == execution
    assert run["status"] == "SUCCEEDED"
    assert (run["maxConcurrency"], run["toleratedFailureCount"]) == (2, 1)
    assert run["toleratedFailurePercentage"] == 0.0
    assert run["startDate"] <= run["stopDate"]
    counts = run["itemCounts"]
    assert (counts["total"], counts["succeeded"], counts["failed"]) == (5, 5, 0)
    assert (counts["pending"], counts["running"], counts["aborted"]) == (0, 0, 0)
    assert run["executionCounts"]["succeeded"] == 5


def test_a_failed_map_run_counts_its_failed_items(sfn: Any) -> None:
    machine = map_machine(
        sfn,
        {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericGreaterThan": 2, "Next": "Bad"}],
                "Default": "Good",
            },
            "Bad": {"Type": "Fail", "Error": "TooBig"},
            "Good": {"Type": "Succeed"},
        },
        ToleratedFailureCount=1,
    )
    execution = sfn.start_execution(stateMachineArn=machine, input="[1, 2, 3, 4]")["executionArn"]
    wait_for_status(sfn, execution, "FAILED")
    run = sfn.describe_map_run(mapRunArn=only_map_run(sfn, execution))
    assert run["status"] == "FAILED"
    counts = run["itemCounts"]
    assert counts["total"] == 4
    assert counts["failed"] == 2  # the second failure is one more than tolerated
    assert counts["succeeded"] == 2


def test_a_running_map_run_counts_items_as_they_go_and_a_stop_aborts_it(
    sfn: Any, take_command: Any
) -> None:
    queue = f"test.maprun-{uuid.uuid4().hex[:8]}.commands"
    machine = map_machine(
        sfn,
        {
            "Work": {
                "Type": "Task",
                "Resource": f"rabbitmq:{queue}",
                "Parameters": {"item.$": "$", "token.$": "$$.Task.Token"},
                "End": True,
            }
        },
        MaxConcurrency=2,
    )
    execution = sfn.start_execution(stateMachineArn=machine, input="[1, 2, 3, 4, 5]")[
        "executionArn"
    ]
    first = take_command(queue)
    sfn.send_task_success(taskToken=first.token, output="{}")
    take_command(queue)
    take_command(queue)  # the third starts once the first is done: two at a time
    arn = only_map_run(sfn, execution)
    running = sfn.describe_map_run(mapRunArn=arn)
    assert running["status"] == "RUNNING"
    assert "stopDate" not in running
    counts = running["itemCounts"]
    assert (counts["succeeded"], counts["running"], counts["pending"]) == (1, 2, 2)

    sfn.stop_execution(executionArn=execution)
    stopped = sfn.describe_map_run(mapRunArn=arn)
    assert stopped["status"] == "ABORTED"
    assert "stopDate" in stopped
    assert stopped["itemCounts"]["aborted"] == 4
    assert stopped["itemCounts"]["succeeded"] == 1


def test_describe_map_run_refuses_unknown_and_malformed_arns(sfn: Any) -> None:
    unknown = f"arn:aws:states:{REGION}:{ACCOUNT}:mapRun:nothing/each:{uuid.uuid4()}"
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_map_run(mapRunArn=unknown)
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_map_run(mapRunArn="arn:aws:states:nowhere")
