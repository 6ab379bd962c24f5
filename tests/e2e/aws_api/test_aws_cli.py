"""The AWS CLI (pip's awscli, as installed in the venv) against the orchestrator."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.e2e.aws_api.conftest import ACCOUNT, PASS_MACHINE, REGION, AwsCli, unique

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def failure(result: object, code: str) -> str:
    assert isinstance(result, subprocess.CompletedProcess), result
    assert result.returncode != 0
    assert f"({code})" in result.stderr, result.stderr
    return result.stderr


def test_a_workflow_through_the_aws_cli(aws_cli: AwsCli) -> None:
    name = unique("cli")
    created = aws_cli.run(
        "create-state-machine",
        "--name",
        name,
        "--definition",
        json.dumps(PASS_MACHINE),
        "--role-arn",
        ROLE,
        "--tags",
        "key=team,value=cli",
    )
    arn = created["stateMachineArn"]
    assert arn == f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    started = aws_cli.run(
        "start-execution", "--state-machine-arn", arn, "--name", "e1", "--input", '{"n": 1}'
    )
    execution = started["executionArn"]
    deadline = time.monotonic() + 15
    while (described := aws_cli.run("describe-execution", "--execution-arn", execution))[
        "status"
    ] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"n": 1, "greeting": {"hello": "world"}}

    # The CLI follows nextToken itself: a page size of 1 still lists everything.
    for n in range(2, 4):
        aws_cli.run("start-execution", "--state-machine-arn", arn, "--name", f"e{n}")
    listed = aws_cli.run("list-executions", "--state-machine-arn", arn, "--page-size", "1")
    assert {e["name"] for e in listed["executions"]} == {"e1", "e2", "e3"}
    history = aws_cli.run("get-execution-history", "--execution-arn", execution, "--page-size", "1")
    assert len(history["events"]) == 4
    assert history["events"][0]["type"] == "ExecutionStarted"
    assert history["events"][-1]["type"] == "ExecutionSucceeded"

    tags = aws_cli.run("list-tags-for-resource", "--resource-arn", arn)
    assert tags["tags"] == [{"key": "team", "value": "cli"}]
    machines = aws_cli.run("list-state-machines")["stateMachines"]
    assert arn in {m["stateMachineArn"] for m in machines}
    aws_cli.run("delete-state-machine", "--state-machine-arn", arn)
    failure(
        aws_cli.run("describe-state-machine", "--state-machine-arn", arn),
        "StateMachineDoesNotExist",
    )


def test_the_aws_cli_with_a_wrong_secret_or_key_is_refused(aws_cli: AwsCli) -> None:
    failure(aws_cli.run("list-state-machines", secret="wrong"), "InvalidSignatureException")
    failure(
        aws_cli.run("list-state-machines", key="AKIAUNKNOWN000000000"),
        "UnrecognizedClientException",
    )
    failure(
        aws_cli.run(
            "create-state-machine",
            "--name",
            unique("bad"),
            "--definition",
            "{}",
            "--role-arn",
            ROLE,
        ),
        "InvalidDefinition",
    )


def test_aliases_through_the_aws_cli(aws_cli: AwsCli) -> None:
    created = aws_cli.run(
        "create-state-machine",
        "--name",
        unique("cli"),
        "--definition",
        json.dumps(PASS_MACHINE),
        "--role-arn",
        ROLE,
        "--publish",
    )
    version = created["stateMachineVersionArn"]
    alias = aws_cli.run(
        "create-state-machine-alias",
        "--name",
        "live",
        "--routing-configuration",
        json.dumps([{"stateMachineVersionArn": version, "weight": 100}]),
    )["stateMachineAliasArn"]
    assert alias == f"{created['stateMachineArn']}:live"
    described = aws_cli.run("describe-state-machine-alias", "--state-machine-alias-arn", alias)
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": version, "weight": 100}]
    started = aws_cli.run("start-execution", "--state-machine-arn", alias)
    execution = aws_cli.run("describe-execution", "--execution-arn", started["executionArn"])
    assert execution["stateMachineAliasArn"] == alias
    assert execution["stateMachineVersionArn"] == version
    aws_cli.run("delete-state-machine-alias", "--state-machine-alias-arn", alias)
    failure(
        aws_cli.run("describe-state-machine-alias", "--state-machine-alias-arn", alias),
        "ResourceNotFound",
    )
