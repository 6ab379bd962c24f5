"""AWS's JSON 1.0 protocol and SigV4 as boto3 and plain HTTP see them."""

from __future__ import annotations

import json
from typing import Any

import botocore
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.e2e.aws_api.conftest import (
    ACCESS_KEY,
    ACCOUNT,
    PASS_MACHINE,
    REGION,
    SECRET_KEY,
    client,
    unique,
)

pytestmark = pytest.mark.e2e
ROLE = f"arn:aws:iam::{ACCOUNT}:role/test"


def error_of(call: Any, **kwargs: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def signed_post(url: str, target: str, body: bytes, secret: str = SECRET_KEY) -> httpx.Response:
    request = AWSRequest(
        method="POST",
        url=f"{url}/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target},
    )
    SigV4Auth(Credentials(ACCESS_KEY, secret), "states", REGION).add_auth(request)
    return httpx.post(f"{url}/", content=body, headers=dict(request.headers.items()))


def test_a_wrong_secret_is_refused_and_changes_nothing(orchestrator_url: str, sfn: Any) -> None:
    name = unique("refused")
    forged = client(orchestrator_url, secret="not-the-secret")
    code, status = error_of(
        forged.create_state_machine,
        name=name,
        definition=json.dumps(PASS_MACHINE),
        roleArn=ROLE,
    )
    assert (code, status) == ("InvalidSignatureException", 400)
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist):
        sfn.describe_state_machine(stateMachineArn=arn)


def test_an_unknown_key_is_an_unrecognized_client(orchestrator_url: str) -> None:
    stranger = client(orchestrator_url, key="AKIANOBODYKNOWS00000")
    assert error_of(stranger.list_state_machines) == ("UnrecognizedClientException", 400)


def test_an_unsigned_request_is_refused(orchestrator_url: str) -> None:
    unsigned = client(orchestrator_url, signature_version=botocore.UNSIGNED)
    assert error_of(unsigned.list_state_machines) == ("MissingAuthenticationTokenException", 400)
    plain = httpx.post(
        f"{orchestrator_url}/",
        content=b"{}",
        headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines"},
    )
    assert plain.status_code == 400
    assert plain.json()["__type"] == "MissingAuthenticationTokenException"


def test_an_unknown_operation_is_answered_as_aws_does(orchestrator_url: str) -> None:
    response = signed_post(orchestrator_url, "AWSStepFunctions.FlyToTheMoon", b"{}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/x-amz-json-1.0"
    assert response.json()["__type"] == "UnknownOperationException"


def test_a_body_that_is_not_json_is_a_serialization_error(orchestrator_url: str) -> None:
    response = signed_post(orchestrator_url, "AWSStepFunctions.ListStateMachines", b"{nope")
    assert response.status_code == 400
    assert response.json()["__type"] == "SerializationException"


def test_modelled_errors_reach_botocore_as_its_exceptions(sfn: Any) -> None:
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_state_machine(stateMachineArn="not-an-arn")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_execution(executionArn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:x")
    missing = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:nothing:here"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn=missing)
