"""Execution and task operations through boto3: start (idempotent on name), describe, list,
history, stop, redrive, SendTask*, and their modelled errors."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import (
    ACCOUNT,
    PASS_MACHINE,
    REGION,
    task_machine,
    unique,
    wait_for_status,
)

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def machine(sfn: Any, definition: str) -> str:
    created = sfn.create_state_machine(name=unique("sm"), definition=definition, roleArn=ROLE)
    return str(created["stateMachineArn"])


def test_a_task_is_done_with_send_task_success(sfn: Any, take_command: Any) -> None:
    queue = unique("test.q")
    arn = machine(sfn, task_machine(queue))
    started = sfn.start_execution(stateMachineArn=arn, name="order-1", input='{"n": 1}')
    assert (
        started["executionArn"]
        == f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{arn.rsplit(':', 1)[1]}:order-1"
    )
    command = take_command(queue)
    assert command.body == {"token": command.token, "input": {"n": 1}}
    running = sfn.describe_execution(executionArn=started["executionArn"])
    assert running["status"] == "RUNNING"
    assert json.loads(running["input"]) == {"n": 1}
    assert "output" not in running

    sfn.send_task_heartbeat(taskToken=command.token)
    with pytest.raises(sfn.exceptions.InvalidOutput):
        sfn.send_task_success(taskToken=command.token, output="{not json")
    sfn.send_task_success(taskToken=command.token, output='{"done": true}')
    done = wait_for_status(sfn, started["executionArn"], "SUCCEEDED")
    assert json.loads(done["output"]) == {"done": True}
    assert done["stopDate"] >= done["startDate"]
    with pytest.raises(sfn.exceptions.TaskTimedOut):  # its attempt is over
        sfn.send_task_success(taskToken=command.token, output="{}")

    for_execution = sfn.describe_state_machine_for_execution(executionArn=started["executionArn"])
    assert for_execution["stateMachineArn"] == arn
    assert json.loads(for_execution["definition"]) == json.loads(task_machine(queue))


def test_start_is_idempotent_on_name_while_running(sfn: Any, take_command: Any) -> None:
    queue = unique("test.q")
    arn = machine(sfn, task_machine(queue))
    first = sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 1}')
    again = sfn.start_execution(stateMachineArn=arn, name="same", input='{"a":1}')
    assert again["executionArn"] == first["executionArn"]
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 2}')
    command = take_command(queue)
    sfn.send_task_success(taskToken=command.token, output="{}")
    wait_for_status(sfn, first["executionArn"], "SUCCEEDED")
    # Closed: the name is taken even for the same input.
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="same", input='{"a": 1}')


def test_start_refusals(sfn: Any) -> None:
    arn = machine(sfn, json.dumps(PASS_MACHINE))
    with pytest.raises(sfn.exceptions.InvalidExecutionInput):
        sfn.start_execution(stateMachineArn=arn, input="{oops")
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.start_execution(stateMachineArn=arn, name="a/b")
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{unique('none')}"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=missing)
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.start_execution(stateMachineArn="arn:aws:states:nowhere")


def test_start_a_published_version(sfn: Any) -> None:
    created = sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(PASS_MACHINE), roleArn=ROLE, publish=True
    )
    started = sfn.start_execution(stateMachineArn=created["stateMachineVersionArn"])
    assert wait_for_status(sfn, started["executionArn"], "SUCCEEDED")


def test_a_failed_task_fails_the_execution_and_redrive_resumes_it(
    sfn: Any, take_command: Any
) -> None:
    queue = unique("test.q")
    arn = machine(sfn, task_machine(queue))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
        sfn.redrive_execution(executionArn=execution)
    sfn.send_task_failure(
        taskToken=take_command(queue).token, error="PaymentDeclined", cause="card refused"
    )
    failed = wait_for_status(sfn, execution, "FAILED")
    assert (failed["error"], failed["cause"]) == ("PaymentDeclined", "card refused")
    assert failed["redriveStatus"] == "REDRIVABLE"

    assert "redriveDate" in sfn.redrive_execution(executionArn=execution)
    sfn.send_task_success(taskToken=take_command(queue).token, output='"second time"')
    done = wait_for_status(sfn, execution, "SUCCEEDED")
    assert (done["output"], done["redriveCount"]) == ('"second time"', 1)
    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
    assert "ExecutionRedriven" in types
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    assert [e["executionArn"] for e in redriven] == [execution]
    assert (
        sfn.list_executions(stateMachineArn=arn, redriveFilter="NOT_REDRIVEN")["executions"] == []
    )


def test_stop_execution(sfn: Any, take_command: Any) -> None:
    queue = unique("test.q")
    arn = machine(sfn, task_machine(queue))
    execution = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    take_command(queue)
    stopped = sfn.stop_execution(executionArn=execution, error="Operator", cause="not needed")
    assert "stopDate" in stopped
    aborted = wait_for_status(sfn, execution, "ABORTED")
    assert (aborted["error"], aborted["cause"]) == ("Operator", "not needed")


def test_unknown_tokens_are_refused(sfn: Any) -> None:
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken=uuid.uuid4().hex, output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_failure(taskToken=uuid.uuid4().hex)
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_heartbeat(taskToken=uuid.uuid4().hex)
    # A token of the form we issue that names no task does not exist, as AWS says.
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        sfn.send_task_success(taskToken=secrets.token_urlsafe(32), output="{}")
    with pytest.raises(sfn.exceptions.TaskDoesNotExist):
        sfn.send_task_heartbeat(taskToken=secrets.token_urlsafe(32))


def test_executions_are_listed_by_status_in_pages(sfn: Any, take_command: Any) -> None:
    queue = unique("test.q")
    arn = machine(sfn, task_machine(queue))
    running = sfn.start_execution(stateMachineArn=arn, name="running", input='{"who": "running"}')[
        "executionArn"
    ]
    finished = []
    for n in range(4):
        execution = sfn.start_execution(
            stateMachineArn=arn, name=f"done-{n}", input=json.dumps({"who": n})
        )["executionArn"]
        finished.append(execution)
    commands = [take_command(queue) for _ in range(5)]
    # Commands are published concurrently: tell them apart by the input they carry.
    running_token = next(c.token for c in commands if c.body["input"]["who"] == "running")
    for command in commands:
        if command.token != running_token:
            sfn.send_task_success(taskToken=command.token, output="{}")
    for execution in finished:
        wait_for_status(sfn, execution, "SUCCEEDED")

    listed = sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
    assert [e["executionArn"] for e in listed] == [running]
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.list_executions(
            stateMachineArn=arn, statusFilter="SUCCEEDED", maxResults=3, **token
        )
        assert len(page["executions"]) <= 3
        seen += [e["executionArn"] for e in page["executions"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert sorted(seen) == sorted(finished)
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.list_executions(stateMachineArn=arn, nextToken="nope")
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{unique('none')}"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.list_executions(stateMachineArn=missing)
    sfn.send_task_success(taskToken=running_token, output="{}")


def test_history_pages_reverse_and_leave_data_out(sfn: Any) -> None:
    arn = machine(sfn, json.dumps(PASS_MACHINE))
    execution = sfn.start_execution(stateMachineArn=arn, input='{"x": "é"}')["executionArn"]
    wait_for_status(sfn, execution, "SUCCEEDED")
    events = sfn.get_execution_history(executionArn=execution)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in events] == [1, 2, 3, 4]
    assert events[1]["stateEnteredEventDetails"]["input"] == '{"x":"é"}'
    assert json.loads(events[3]["executionSucceededEventDetails"]["output"]) == {
        "x": "é",
        "greeting": {"hello": "world"},
    }

    paged: list[Any] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.get_execution_history(executionArn=execution, maxResults=3, **token)
        paged += page["events"]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert paged == events

    reversed_events = sfn.get_execution_history(executionArn=execution, reverseOrder=True)
    assert reversed_events["events"] == events[::-1]
    second_page = sfn.get_execution_history(
        executionArn=execution,
        reverseOrder=True,
        maxResults=2,
        nextToken=sfn.get_execution_history(
            executionArn=execution, reverseOrder=True, maxResults=2
        )["nextToken"],
    )
    assert [e["id"] for e in second_page["events"]] == [2, 1]

    without = sfn.get_execution_history(executionArn=execution, includeExecutionData=False)
    assert "input" not in without["events"][1]["stateEnteredEventDetails"]
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:nothing:here"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.get_execution_history(executionArn=missing)
