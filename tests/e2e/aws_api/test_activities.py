"""Activities through boto3: a Task whose Resource is an activity ARN, done by a worker that
long-polls GetActivityTask and answers with SendTaskSuccess / SendTaskFailure."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import ACCOUNT, REGION, unique, wait_for_status

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def activity_machine(activity_arn: str) -> str:
    return json.dumps(
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": activity_arn,
                    "HeartbeatSeconds": 60,
                    "ResultPath": "$.result",
                    "End": True,
                }
            },
        }
    )


def test_a_worker_polls_for_an_activity_task_and_completes_it(sfn: Any) -> None:
    name = unique("act")
    created = sfn.create_activity(name=name, tags=[{"key": "team", "value": "w"}])
    activity = created["activityArn"]
    assert activity == f"arn:aws:states:{REGION}:{ACCOUNT}:activity:{name}"
    assert sfn.create_activity(name=name)["activityArn"] == activity  # idempotent
    assert sfn.describe_activity(activityArn=activity)["name"] == name
    assert sfn.list_tags_for_resource(resourceArn=activity)["tags"] == [
        {"key": "team", "value": "w"}
    ]

    machine = sfn.create_state_machine(
        name=unique("sm"), definition=activity_machine(activity), roleArn=ROLE
    )["stateMachineArn"]
    # The definition comes back with the activity's ARN, as it was sent.
    described = json.loads(sfn.describe_state_machine(stateMachineArn=machine)["definition"])
    assert described["States"]["Work"]["Resource"] == activity

    # The worker is already waiting when the task is scheduled: the long poll hands it over.
    polled: dict[str, Any] = {}
    worker = threading.Thread(
        target=lambda: polled.update(sfn.get_activity_task(activityArn=activity, workerName="w1"))
    )
    worker.start()
    time.sleep(0.3)
    execution = sfn.start_execution(stateMachineArn=machine, input='{"n": 5}')["executionArn"]
    worker.join(timeout=10)
    assert json.loads(polled["input"]) == {"n": 5}
    sfn.send_task_heartbeat(taskToken=polled["taskToken"])
    sfn.send_task_success(taskToken=polled["taskToken"], output='{"doubled": 10}')
    done = wait_for_status(sfn, execution, "SUCCEEDED")
    assert json.loads(done["output"]) == {"n": 5, "result": {"doubled": 10}}

    # Scheduled before anyone polls: the task waits for the worker.
    execution = sfn.start_execution(stateMachineArn=machine, input='{"n": 6}')["executionArn"]
    task = sfn.get_activity_task(activityArn=activity)
    sfn.send_task_failure(taskToken=task["taskToken"], error="Boom", cause="worker said no")
    failed = wait_for_status(sfn, execution, "FAILED")
    assert (failed["error"], failed["cause"]) == ("Boom", "worker said no")


def test_a_poll_with_no_task_answers_empty_after_the_poll_time(sfn: Any) -> None:
    activity = sfn.create_activity(name=unique("idle"))["activityArn"]
    began = time.monotonic()
    answer = sfn.get_activity_task(activityArn=activity)
    assert "taskToken" not in answer
    assert time.monotonic() - began >= 2.5  # the test orchestrator polls 3 s


def test_activities_are_listed_and_deleted(sfn: Any) -> None:
    made = [sfn.create_activity(name=unique("list"))["activityArn"] for _ in range(3)]
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.list_activities(maxResults=2, **token)
        seen += [a["activityArn"] for a in page["activities"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert set(made) <= set(seen)
    sfn.delete_activity(activityArn=made[0])
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.describe_activity(activityArn=made[0])
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.get_activity_task(activityArn=made[0])
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_activity(activityArn="arn:aws:states:us-east-1:1:activity")
