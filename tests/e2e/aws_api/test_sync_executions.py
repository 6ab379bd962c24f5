"""EXPRESS machines and StartSyncExecution through boto3 and the AWS CLI."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import (
    ACCOUNT,
    PASS_MACHINE,
    AwsCli,
    client,
    task_machine,
    unique,
)

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"
FAILING = {"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope", "Cause": "why"}}}
SLOW = {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": True}}}


@pytest.fixture(scope="module")
def sync_sfn(orchestrator_url: str) -> Any:
    # botocore sends StartSyncExecution to "sync-<host>" (AWS's endpoint prefix for it).
    return client(orchestrator_url, inject_host_prefix=False, read_timeout=30)


def express(sfn: Any, definition: Any) -> str:
    created = sfn.create_state_machine(
        name=unique("express"), definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS"
    )
    return str(created["stateMachineArn"])


def test_an_express_machine_is_described_and_listed_as_express(sfn: Any) -> None:
    arn = express(sfn, PASS_MACHINE)
    assert sfn.describe_state_machine(stateMachineArn=arn)["type"] == "EXPRESS"
    listed = sfn.list_state_machines()["stateMachines"]
    assert [m["type"] for m in listed if m["stateMachineArn"] == arn] == ["EXPRESS"]
    # The same name and definition as another type is not the same machine.
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
        sfn.create_state_machine(
            name=arn.rsplit(":", 1)[1], definition=json.dumps(PASS_MACHINE), roleArn=ROLE
        )


def test_a_sync_execution_answers_with_its_output(sync_sfn: Any) -> None:
    arn = express(sync_sfn, PASS_MACHINE)
    done = sync_sfn.start_sync_execution(
        stateMachineArn=arn, name="s1", input='{"n": 1}', traceHeader="Root=1-abc"
    )
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"n": 1, "greeting": {"hello": "world"}}
    assert done["stateMachineArn"] == arn
    # AWS's form for an EXPRESS machine's executions: `express:<machine>:<name>:<run id>`.
    machine = arn.rsplit(":", 1)[1]
    assert done["executionArn"].startswith(
        arn.split(":stateMachine:")[0] + f":express:{machine}:s1:"
    )
    assert done["name"] == "s1"
    assert json.loads(done["input"]) == {"n": 1}
    assert done["startDate"] <= done["stopDate"]
    assert done["billingDetails"]["billedMemoryUsedInMB"] == 64
    assert done["billingDetails"]["billedDurationInMilliseconds"] >= 100
    assert done["traceHeader"] == "Root=1-abc"
    described = sync_sfn.describe_execution(executionArn=done["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert described["executionArn"] == done["executionArn"]
    [listed] = sync_sfn.list_executions(stateMachineArn=arn)["executions"]
    assert listed["executionArn"] == done["executionArn"]
    started = sync_sfn.start_execution(stateMachineArn=arn, name="s2")["executionArn"]
    assert started.startswith(arn.split(":stateMachine:")[0] + f":express:{machine}:s2:")


def test_a_sync_execution_can_leave_its_data_out(sync_sfn: Any) -> None:
    arn = express(sync_sfn, PASS_MACHINE)
    done = sync_sfn.start_sync_execution(stateMachineArn=arn, includedData="METADATA_ONLY")
    assert done["status"] == "SUCCEEDED"
    assert "input" not in done and "output" not in done
    assert done["inputDetails"] == {"included": False}
    assert done["outputDetails"] == {"included": False}
    with pytest.raises(sync_sfn.exceptions.ValidationException):
        sync_sfn.start_sync_execution(stateMachineArn=arn, includedData="SOME")


def test_a_failing_sync_execution_answers_with_its_error(sync_sfn: Any) -> None:
    done = sync_sfn.start_sync_execution(stateMachineArn=express(sync_sfn, FAILING))
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Nope", "why")
    assert "output" not in done


def test_a_sync_execution_waits_for_its_worker(sync_sfn: Any, take_command: Any) -> None:
    queue = unique("test.q")
    arn = express(sync_sfn, json.loads(task_machine(queue)))

    def work() -> None:
        sync_sfn.send_task_success(taskToken=take_command(queue).token, output='"worked"')

    worker = threading.Thread(target=work)
    worker.start()
    done = sync_sfn.start_sync_execution(stateMachineArn=arn, input='{"job": 7}')
    worker.join()
    assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", "worked")


def test_a_sync_execution_that_runs_too_long_times_out(sync_sfn: Any) -> None:
    # The test orchestrator waits 4 s (AWS_SYNC_EXECUTION_SECONDS) where AWS waits 5 minutes.
    done = sync_sfn.start_sync_execution(stateMachineArn=express(sync_sfn, SLOW))
    assert (done["status"], done["error"]) == ("TIMED_OUT", "States.Timeout")
    described = sync_sfn.describe_execution(executionArn=done["executionArn"])
    assert described["status"] == "ABORTED"  # stopped, so that it does not run on


def test_sync_execution_errors_are_awss(sync_sfn: Any) -> None:
    standard = sync_sfn.create_state_machine(
        name=unique("sm"), definition=json.dumps(PASS_MACHINE), roleArn=ROLE
    )["stateMachineArn"]
    with pytest.raises(sync_sfn.exceptions.StateMachineTypeNotSupported):
        sync_sfn.start_sync_execution(stateMachineArn=standard)
    with pytest.raises(sync_sfn.exceptions.StateMachineDoesNotExist):
        sync_sfn.start_sync_execution(stateMachineArn=f"{standard}-gone")
    arn = express(sync_sfn, PASS_MACHINE)
    with pytest.raises(sync_sfn.exceptions.InvalidExecutionInput):
        sync_sfn.start_sync_execution(stateMachineArn=arn, input="{not json")
    sync_sfn.start_sync_execution(stateMachineArn=arn, name="once")
    with pytest.raises(sync_sfn.exceptions.ExecutionAlreadyExists):
        sync_sfn.start_sync_execution(stateMachineArn=arn, name="once")
    with pytest.raises(sync_sfn.exceptions.ValidationException):
        sync_sfn.create_state_machine(
            name=unique("sm"), definition=json.dumps(PASS_MACHINE), roleArn=ROLE, type="BATCH"
        )


def test_a_sync_execution_through_the_aws_cli(sfn: Any, aws_cli: AwsCli) -> None:
    arn = express(sfn, PASS_MACHINE)
    done = aws_cli.run(
        "start-sync-execution",
        "--state-machine-arn",
        arn,
        "--input",
        '{"n": 2}',
        # The CLI's (botocore's) switch for the "sync-" host prefix.
        AWS_DISABLE_HOST_PREFIX_INJECTION="true",
    )
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"])["n"] == 2
