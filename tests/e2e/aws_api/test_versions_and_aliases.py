"""Published versions and aliases through boto3: StartExecution of any version ARN, alias
operations with weighted routing, and what DescribeExecution says of how it was started."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
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


def route(version_arn: str, weight: int) -> dict[str, Any]:
    return {"stateMachineVersionArn": version_arn, "weight": weight}


def test_an_alias_routes_executions_to_its_version(sfn: Any) -> None:
    arn, first, _ = two_versions(sfn)
    created = sfn.create_state_machine_alias(
        name="live", description="prod", routingConfiguration=[route(first, 100)]
    )
    alias = created["stateMachineAliasArn"]
    assert alias == f"{arn}:live"

    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["name"] == "live"
    assert described["description"] == "prod"
    assert described["routingConfiguration"] == [route(first, 100)]
    assert described["creationDate"] == created["creationDate"]

    started = sfn.start_execution(stateMachineArn=alias, name="via-alias")
    done = wait_for_status(sfn, started["executionArn"], "SUCCEEDED")
    assert json.loads(done["output"]) == "one"
    assert done["stateMachineArn"] == arn
    assert done["stateMachineAliasArn"] == alias
    assert done["stateMachineVersionArn"] == first

    by_version = sfn.describe_execution(
        executionArn=sfn.start_execution(stateMachineArn=first)["executionArn"]
    )
    assert by_version["stateMachineVersionArn"] == first
    assert "stateMachineAliasArn" not in by_version
    plain = sfn.describe_execution(
        executionArn=sfn.start_execution(stateMachineArn=arn)["executionArn"]
    )
    assert "stateMachineVersionArn" not in plain


def test_a_canary_alias_splits_executions_by_weight(sfn: Any) -> None:
    _, first, second = two_versions(sfn)
    alias = sfn.create_state_machine_alias(
        name="canary", routingConfiguration=[route(first, 50), route(second, 50)]
    )["stateMachineAliasArn"]
    versions = set()
    for _ in range(24):  # both halves are picked, but for a chance of 2 in 2^24
        started = sfn.start_execution(stateMachineArn=alias)
        described = sfn.describe_execution(executionArn=started["executionArn"])
        versions.add(described["stateMachineVersionArn"])
    assert versions == {first, second}

    # All weight on the second version: every execution runs it.
    updated = sfn.update_state_machine_alias(
        stateMachineAliasArn=alias,
        description="all on two",
        routingConfiguration=[route(first, 0), route(second, 100)],
    )
    assert "updateDate" in updated
    for _ in range(5):
        assert output_of(sfn, alias) == "two"
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["description"] == "all on two"
    assert described["updateDate"] == updated["updateDate"]


def test_aliases_are_listed_in_pages_and_by_version(sfn: Any) -> None:
    arn, first, second = two_versions(sfn)
    for name, version in (("a-one", first), ("b-two", second), ("c-two", second)):
        sfn.create_state_machine_alias(name=name, routingConfiguration=[route(version, 100)])
    page = sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=2)
    rest = sfn.list_state_machine_aliases(stateMachineArn=arn, nextToken=page["nextToken"])
    listed = [a["stateMachineAliasArn"] for a in page["stateMachineAliases"]]
    listed += [a["stateMachineAliasArn"] for a in rest["stateMachineAliases"]]
    assert listed == [f"{arn}:a-one", f"{arn}:b-two", f"{arn}:c-two"]
    assert "nextToken" not in rest
    to_second = sfn.list_state_machine_aliases(stateMachineArn=second)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in to_second] == [f"{arn}:b-two", f"{arn}:c-two"]
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.list_state_machine_aliases(stateMachineArn=f"{arn}:9")
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.list_state_machine_aliases(stateMachineArn=f"{arn}-gone")


def test_alias_errors_are_awss(sfn: Any) -> None:
    arn, first, second = two_versions(sfn)
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.create_state_machine_alias(
            name="bad", routingConfiguration=[route(first, 60), route(second, 60)]
        )
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.create_state_machine_alias(name="bad", routingConfiguration=[route(arn, 100)])
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.create_state_machine_alias(name="bad", routingConfiguration=[route(f"{arn}:9", 100)])
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.create_state_machine_alias(name="12", routingConfiguration=[route(first, 100)])

    alias = sfn.create_state_machine_alias(name="prod", routingConfiguration=[route(first, 100)])
    again = sfn.create_state_machine_alias(name="prod", routingConfiguration=[route(first, 100)])
    # The same request again is idempotent: the same answer (the HTTP metadata, with its Date
    # header, is the transport's, not the answer).
    again.pop("ResponseMetadata")
    alias.pop("ResponseMetadata")
    assert again == alias
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.create_state_machine_alias(name="prod", routingConfiguration=[route(second, 100)])
    with pytest.raises(sfn.exceptions.ConflictException):
        sfn.delete_state_machine_version(stateMachineVersionArn=first)  # prod routes to it
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.update_state_machine_alias(stateMachineAliasArn=alias["stateMachineAliasArn"])

    sfn.delete_state_machine_alias(stateMachineAliasArn=alias["stateMachineAliasArn"])
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias["stateMachineAliasArn"])
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.delete_state_machine_alias(stateMachineAliasArn=alias["stateMachineAliasArn"])
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.start_execution(stateMachineArn=alias["stateMachineAliasArn"])
    sfn.delete_state_machine_version(stateMachineVersionArn=first)  # no alias routes to it now
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_state_machine_alias(stateMachineAliasArn=arn)


def test_deleting_the_machine_deletes_its_aliases(sfn: Any) -> None:
    arn, first, _ = two_versions(sfn)
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[route(first, 100)])
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(sfn.exceptions.ResourceNotFound):
        sfn.describe_state_machine_alias(stateMachineAliasArn=alias["stateMachineAliasArn"])


def test_executions_are_listed_by_version_and_by_alias(sfn: Any) -> None:
    arn, first, second = two_versions(sfn)
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[route(second, 100)])
    alias_arn = alias["stateMachineAliasArn"]
    of_first = sfn.start_execution(stateMachineArn=first)["executionArn"]
    of_alias = sfn.start_execution(stateMachineArn=alias_arn)["executionArn"]
    of_machine = sfn.start_execution(stateMachineArn=arn)["executionArn"]

    def listed(state_machine_arn: str) -> list[str]:
        executions = sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]
        return [e["executionArn"] for e in executions]

    assert listed(first) == [of_first]
    assert listed(second) == [of_alias]  # it ran version 2
    assert listed(alias_arn) == [of_alias]
    assert set(listed(arn)) == {of_first, of_alias, of_machine}


def test_the_same_alias_created_at_once_is_created_once(sfn: Any) -> None:
    _, first, _ = two_versions(sfn)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda _: sfn.create_state_machine_alias(
                    name="race", routingConfiguration=[route(first, 100)]
                ),
                range(4),
            )
        )
    assert len({(a["stateMachineAliasArn"], a["creationDate"]) for a in answers}) == 1
