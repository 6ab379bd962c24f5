"""Published versions and aliases through boto3: StartExecution of any version ARN, alias
operations with weighted routing, and what DescribeExecution says of how it was started."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.aws_api.conftest import ACCOUNT, unique, wait_for_status

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def saying(word: str) -> str:
    return json.dumps(
        {"StartAt": "Say", "States": {"Say": {"Type": "Pass", "Result": word, "End": True}}}
    )


def two_versions(sfn: Any) -> tuple[str, str, str]:
    """A machine whose version 1 says "one" and version 2 (its current definition) "two"."""
    created = sfn.create_state_machine(
        name=unique("sm"), definition=saying("one"), roleArn=ROLE, publish=True
    )
    arn = created["stateMachineArn"]
    second = sfn.update_state_machine(stateMachineArn=arn, definition=saying("two"), publish=True)
    return arn, created["stateMachineVersionArn"], second["stateMachineVersionArn"]


def output_of(sfn: Any, state_machine_arn: str) -> Any:
    started = sfn.start_execution(stateMachineArn=state_machine_arn)
    return json.loads(wait_for_status(sfn, started["executionArn"], "SUCCEEDED")["output"])


def test_an_older_published_version_runs_its_own_definition(sfn: Any) -> None:
    arn, first, second = two_versions(sfn)
    assert output_of(sfn, first) == "one"
    assert output_of(sfn, second) == "two"
    assert output_of(sfn, arn) == "two"


def test_a_version_never_published_does_not_exist(sfn: Any) -> None:
    arn, _, _ = two_versions(sfn)
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=f"{arn}:9")
