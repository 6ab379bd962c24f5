"""TestState through boto3: AWS's recorded TestState cases, sent over the wire, give AWS's
responses (the engine's own comparison, orchestrator.engine.test_state_conformance)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.engine.conformance import load_cases, read_expectations
from orchestrator.engine.test_state_conformance import (
    TEST_STATE_DIR,
    request_of,
    response_difference,
)
from tests.conformance.test_test_state import EXPECTATIONS
from tests.e2e.aws_api.conftest import client

pytestmark = pytest.mark.e2e

CASES = load_cases(TEST_STATE_DIR) if TEST_STATE_DIR.is_dir() else []
KNOWN = read_expectations(EXPECTATIONS)


@pytest.fixture(scope="module")
def sfn(orchestrator_url: str) -> Any:
    # botocore sends TestState to "sync-<host>" (AWS's endpoint prefix for it); a self-hosted
    # endpoint has no such name, so the prefix is turned off, as for StartSyncExecution.
    return client(orchestrator_url, inject_host_prefix=False)


def _answer(sfn: Any, request: dict[str, Any]) -> dict[str, Any]:
    response = sfn.test_state(**request)
    response.pop("ResponseMetadata", None)
    return dict(response)


@pytest.mark.skipif(not CASES, reason=f"no TestState cases at {TEST_STATE_DIR}")
def test_every_recorded_test_state_case_answers_as_aws(sfn: Any) -> None:
    differences = {}
    for case in CASES:
        if case["name"] in KNOWN:
            continue
        request = request_of(case)
        request.setdefault("roleArn", "arn:aws:iam::123456789012:role/test")
        difference = response_difference(case["expected"], _answer(sfn, request))
        if difference is not None:
            differences[case["name"]] = difference
    assert differences == {}
    assert len(CASES) - len(KNOWN) >= 30  # the suite ran, not an empty folder


def test_a_state_not_in_the_definition_is_a_validation_error(sfn: Any) -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    with pytest.raises(ClientError) as raised:
        sfn.test_state(
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/test",
            stateName="Nope",
        )
    assert raised.value.response["Error"]["Code"] == "ValidationException"


def test_a_broken_definition_is_invalid_definition(sfn: Any) -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.test_state(
            definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/test"
        )
