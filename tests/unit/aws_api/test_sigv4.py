"""SigV4 verification against requests signed by botocore itself, no server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.datastructures import Headers

from orchestrator.aws_api.errors import AwsError
from orchestrator.aws_api.sigv4 import SignedRequest, Verifier, parse_keys

KEYS = {"AKIDEXAMPLE": "the-secret"}
BODY = json.dumps({"name": "flow"}).encode()


def signed(
    key: str = "AKIDEXAMPLE",
    secret: str = "the-secret",
    region: str = "us-east-1",
    body: bytes = BODY,
) -> SignedRequest:
    request = AWSRequest(
        method="POST",
        url="http://localhost:8001/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AWSStepFunctions.CreateStateMachine",
        },
    )
    SigV4Auth(Credentials(key, secret), "states", region).add_auth(request)
    headers = Headers({"host": "localhost:8001", **dict(request.headers.items())})
    return SignedRequest("POST", "/", "", headers, body)


def refusal(request: SignedRequest, keys: dict[str, str] = KEYS, **kwargs: datetime) -> str:
    with pytest.raises(AwsError) as raised:
        Verifier(keys, "us-east-1").verify(request, **kwargs)
    return raised.value.code


def test_a_request_signed_with_a_known_key_is_accepted() -> None:
    assert Verifier(KEYS, "us-east-1").verify(signed()) == "AKIDEXAMPLE"


def test_the_wrong_secret_is_an_invalid_signature() -> None:
    assert refusal(signed(secret="not-the-secret")) == "InvalidSignatureException"


def test_an_unknown_key_is_an_unrecognized_client() -> None:
    assert refusal(signed(key="AKIDUNKNOWN")) == "UnrecognizedClientException"


def test_an_unsigned_request_is_refused() -> None:
    headers = Headers({"host": "localhost:8001"})
    assert (
        refusal(SignedRequest("POST", "/", "", headers, BODY))
        == "MissingAuthenticationTokenException"
    )


def test_a_body_changed_after_signing_is_an_invalid_signature() -> None:
    original = signed()
    tampered = SignedRequest("POST", "/", "", original.headers, b'{"name": "other"}')
    assert refusal(tampered) == "InvalidSignatureException"


def test_a_signature_for_another_region_is_refused() -> None:
    assert refusal(signed(region="eu-west-1")) == "InvalidSignatureException"


def test_a_signature_older_than_fifteen_minutes_is_refused() -> None:
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert refusal(signed(), now=later) == "InvalidSignatureException"


def test_without_keys_every_request_is_refused() -> None:
    assert refusal(signed(), keys={}) == "UnrecognizedClientException"


def test_keys_are_parsed_from_pairs() -> None:
    assert parse_keys(" a:b , c:d:e ,") == {"a": "b", "c": "d:e"}
    with pytest.raises(ValueError):
        parse_keys("no-secret")
