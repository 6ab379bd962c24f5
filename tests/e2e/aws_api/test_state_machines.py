"""State machine operations through boto3: create, update, describe, versions, list, delete,
validate, tags, and their modelled errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import ACCOUNT, PASS_MACHINE, REGION, unique

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


# Its one state goes on to a state that does not exist.
BROKEN = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})


def pass_machine(result: Any) -> str:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}}
    return json.dumps(definition)


def create(sfn: Any, **kwargs: Any) -> tuple[str, str]:
    name = unique("sm")
    created = sfn.create_state_machine(
        name=name, definition=json.dumps(PASS_MACHINE), roleArn=ROLE, **kwargs
    )
    return name, created["stateMachineArn"]


def test_create_describe_update_and_publish(sfn: Any) -> None:
    name = unique("sm")
    created = sfn.create_state_machine(
        name=name,
        definition=pass_machine(1),
        roleArn=ROLE,
        publish=True,
        versionDescription="first",
    )
    arn = created["stateMachineArn"]
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    assert created["stateMachineVersionArn"] == f"{arn}:1"

    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == name
    assert json.loads(described["definition"]) == json.loads(pass_machine(1))
    assert (described["roleArn"], described["type"], described["status"]) == (
        ROLE,
        "STANDARD",
        "ACTIVE",
    )

    updated = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine(2))
    assert updated["revisionId"] != described["revisionId"]
    assert "stateMachineVersionArn" not in updated
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == json.loads(
        pass_machine(2)
    )
    # Version 1 keeps the definition it was published with, and its description.
    first = sfn.describe_state_machine(stateMachineArn=f"{arn}:1")
    assert json.loads(first["definition"]) == json.loads(pass_machine(1))
    assert first["description"] == "first"

    published = sfn.publish_state_machine_version(stateMachineArn=arn, description="second")
    assert published["stateMachineVersionArn"] == f"{arn}:2"
    # Publishing the same revision again returns the version it already has.
    again = sfn.publish_state_machine_version(stateMachineArn=arn)
    assert again["stateMachineVersionArn"] == f"{arn}:2"
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="stale")

    updated = sfn.update_state_machine(
        stateMachineArn=arn, roleArn=f"{ROLE}-2", publish=True, versionDescription="third"
    )
    assert updated["stateMachineVersionArn"] == f"{arn}:2"  # the same revision: same version
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == f"{ROLE}-2"


def test_versions_are_listed_newest_first_in_pages_and_deleted(sfn: Any) -> None:
    _, arn = create(sfn)
    for n in range(3):
        sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine(n), publish=True)
    page = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2)
    assert [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]] == [
        f"{arn}:3",
        f"{arn}:2",
    ]
    rest = sfn.list_state_machine_versions(stateMachineArn=arn, nextToken=page["nextToken"])
    assert [v["stateMachineVersionArn"] for v in rest["stateMachineVersions"]] == [f"{arn}:1"]
    assert "nextToken" not in rest

    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:2")
    listed = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [f"{arn}:3", f"{arn}:1"]
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=f"{arn}:2")
    # A deleted version's number is not given again.
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:3")
    again = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine(9), publish=True)
    assert again["stateMachineVersionArn"] == f"{arn}:4"


def test_create_is_idempotent_for_the_same_definition_only(sfn: Any) -> None:
    name, arn = create(sfn)
    again = sfn.create_state_machine(name=name, definition=json.dumps(PASS_MACHINE), roleArn=ROLE)
    assert again["stateMachineArn"] == arn
    with pytest.raises(sfn.exceptions.StateMachineAlreadyExists):
        sfn.create_state_machine(name=name, definition=pass_machine("other"), roleArn=ROLE)


def test_invalid_definitions_and_names_are_refused(sfn: Any) -> None:
    with pytest.raises(sfn.exceptions.InvalidDefinition) as raised:
        sfn.create_state_machine(
            name=unique("bad"),
            definition=BROKEN,
            roleArn=ROLE,
        )
    assert "Nowhere" in str(raised.value)
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.create_state_machine(name=unique("bad"), definition="{not json", roleArn=ROLE)
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_state_machine(name="has space", definition=pass_machine(1), roleArn=ROLE)
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.create_state_machine(
            name=unique("other"), definition=pass_machine(1), roleArn=ROLE, type="BATCH"
        )


def test_state_machines_are_listed_in_pages(sfn: Any) -> None:
    made = {create(sfn)[1] for _ in range(3)}
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = sfn.list_state_machines(maxResults=2, **token)
        assert len(page["stateMachines"]) <= 2
        seen += [machine["stateMachineArn"] for machine in page["stateMachines"]]
        if "nextToken" not in page:
            break
        token = {"nextToken": page["nextToken"]}
    assert made <= set(seen)
    assert len(seen) == len(set(seen))
    assert f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:order-fulfillment" in seen
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.list_state_machines(nextToken="made-up")


def test_a_deleted_state_machine_is_gone_and_its_name_free(sfn: Any) -> None:
    name, arn = create(sfn, tags=[{"key": "team", "value": "a"}])
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=arn)
    listed = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
    assert arn not in listed
    sfn.delete_state_machine(stateMachineArn=arn)  # again: nothing to do, no error

    again = sfn.create_state_machine(name=name, definition=pass_machine("new"), roleArn=ROLE)
    assert again["stateMachineArn"] == arn
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_validate_state_machine_definition(sfn: Any) -> None:
    assert sfn.validate_state_machine_definition(definition=pass_machine(1))["result"] == "OK"
    failed = sfn.validate_state_machine_definition(definition=BROKEN)
    assert failed["result"] == "FAIL"
    assert failed["diagnostics"][0]["severity"] == "ERROR"
    assert any("Nowhere" in d["message"] for d in failed["diagnostics"])
    not_json = sfn.validate_state_machine_definition(definition="{")
    assert not_json["result"] == "FAIL"


def test_tags(sfn: Any) -> None:
    _, arn = create(sfn, tags=[{"key": "team", "value": "a"}])
    sfn.tag_resource(
        resourceArn=arn, tags=[{"key": "team", "value": "b"}, {"key": "env", "value": "dev"}]
    )
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    assert sorted((t["key"], t["value"]) for t in tags) == [("env", "dev"), ("team", "b")]
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "env", "value": "dev"}]

    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{unique('none')}"
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.tag_resource(resourceArn=missing, tags=[{"key": "k", "value": "v"}])
    with pytest.raises(sfn.exceptions.TooManyTags):
        sfn.tag_resource(resourceArn=arn, tags=[{"key": f"k{n}", "value": "v"} for n in range(51)])


def task_on(queue: str) -> str:
    task = {"Type": "Task", "Resource": f"rabbitmq:{queue}", "End": True}
    return json.dumps({"StartAt": "Charge", "States": {"Charge": task}})


def test_a_task_queue_outside_task_queues_is_an_invalid_definition(sfn: Any) -> None:
    with pytest.raises(sfn.exceptions.InvalidDefinition) as raised:
        sfn.create_state_machine(
            name=unique("queue"), definition=task_on("orchestrator.results"), roleArn=ROLE
        )
    assert "States.Charge" in str(raised.value)
    assert "not an allowed task queue" in str(raised.value)
    failed = sfn.validate_state_machine_definition(definition=task_on("elsewhere"))
    assert failed["result"] == "FAIL"
    [diagnostic] = failed["diagnostics"]
    assert diagnostic["message"].startswith("States.Charge: Resource 'rabbitmq:elsewhere'")
    allowed = sfn.validate_state_machine_definition(definition=task_on("payment.commands"))
    assert allowed["result"] == "OK"
