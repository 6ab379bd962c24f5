"""ARNs as AWS forms them, read back; names as AWS allows them."""

from __future__ import annotations

import pytest

from orchestrator.aws_api.arns import Arns, StateMachineRef, check_name
from orchestrator.aws_api.errors import AwsError

ARNS = Arns("eu-west-1", "111122223333")


def test_state_machine_and_version_arns_round_trip() -> None:
    arn = ARNS.state_machine("flow")
    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:flow"
    assert ARNS.parse_state_machine(arn) == StateMachineRef("flow", None)
    assert ARNS.parse_state_machine(ARNS.state_machine_version("flow", 3)) == StateMachineRef(
        "flow", 3
    )


def test_alias_arns_are_read_only_where_allowed() -> None:
    arn = ARNS.state_machine_alias("flow", "live")
    assert arn == "arn:aws:states:eu-west-1:111122223333:stateMachine:flow:live"
    assert ARNS.parse_alias(arn) == StateMachineRef("flow", None, "live")
    assert ARNS.parse_state_machine(arn, allow_alias=True) == StateMachineRef("flow", None, "live")
    with pytest.raises(AwsError):
        ARNS.parse_alias(ARNS.state_machine_version("flow", 3))  # digits: a version
    with pytest.raises(AwsError):
        ARNS.parse_alias(ARNS.state_machine("flow"))
    with pytest.raises(AwsError):
        ARNS.parse_state_machine(ARNS.state_machine_version("flow", 3), allow_version=False)


def test_an_execution_arn_names_the_stores_execution_id() -> None:
    arn = ARNS.execution("flow:order-1")
    assert arn == "arn:aws:states:eu-west-1:111122223333:execution:flow:order-1"
    assert ARNS.parse_execution(arn) == "flow:order-1"


def test_an_express_execution_arn_carries_a_run_id_of_its_own() -> None:
    arn = ARNS.execution("flow:order-1", express=True)
    prefix = "arn:aws:states:eu-west-1:111122223333:express:flow:order-1:"
    assert arn.startswith(prefix)
    run = arn.removeprefix(prefix)
    assert len(run) == 36 and run.count("-") == 4  # a UUID, as AWS's
    assert ARNS.execution("flow:order-1", express=True) == arn  # the same every time
    assert ARNS.execution("flow:order-2", express=True).rsplit(":", 1)[1] != run
    assert ARNS.parse_execution(arn) == "flow:order-1"
    with pytest.raises(AwsError) as refused:
        ARNS.parse_execution(prefix + "00000000-0000-0000-0000-000000000000")
    assert refused.value.code == "ExecutionDoesNotExist"
    with pytest.raises(AwsError) as malformed:
        ARNS.parse_execution("arn:aws:states:eu-west-1:111122223333:express:flow:order-1")
    assert malformed.value.code == "InvalidArn"


@pytest.mark.parametrize(
    "arn",
    [
        "flow",
        "arn:aws:states:eu-west-1:111122223333:stateMachine:",
        "arn:aws:states:eu-west-1:111122223333:stateMachine:flow:alias",
        "arn:aws:states:us-east-1:111122223333:stateMachine:flow",  # another region
        "arn:aws:states:eu-west-1:111122223333:execution:flow:e1",
        None,
    ],
)
def test_malformed_or_foreign_state_machine_arns_are_invalid(arn: object) -> None:
    with pytest.raises(AwsError) as raised:
        ARNS.parse_state_machine(arn)
    assert raised.value.code == "InvalidArn"


@pytest.mark.parametrize("name", ["", "a b", "a:b", "a/b", "x" * 81, "tab\there", "{x}"])
def test_names_aws_refuses_are_invalid(name: str) -> None:
    with pytest.raises(AwsError) as raised:
        check_name(name)
    assert raised.value.code == "InvalidName"


def test_names_aws_allows_pass() -> None:
    assert check_name("order-1_v2.final") == "order-1_v2.final"


@pytest.mark.parametrize("version", [str(2**31), "99999999999999999999", "²"])
def test_a_version_postgres_cannot_hold_is_an_invalid_arn(version: str) -> None:
    with pytest.raises(AwsError) as raised:
        ARNS.parse_state_machine(f"{ARNS.prefix}:stateMachine:m:{version}")
    assert raised.value.code == "InvalidArn"
