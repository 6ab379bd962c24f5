"""Signature Version 4, checked as AWS checks it, with botocore's own signer.

The request's signature is recomputed from the request itself (the headers it says it signed, its
body, its X-Amz-Date) with botocore.auth.SigV4Auth and the secret of its access key, and compared
in constant time. No crypto of our own."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from orchestrator.aws_api.errors import AwsError

SERVICE = "states"
# AWS refuses a request signed more than 15 minutes away from its own clock.
MAX_CLOCK_SKEW = timedelta(minutes=15)
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


def parse_keys(text: str) -> dict[str, str]:
    """`key_id:secret,key_id:secret` (AWS_API_KEYS) as a mapping; blanks ignored."""
    keys = {}
    for pair in text.split(","):
        if not pair.strip():
            continue
        key_id, sep, secret = pair.strip().partition(":")
        if not sep or not key_id or not secret:
            raise ValueError("AWS_API_KEYS must be key_id:secret pairs separated by commas")
        keys[key_id] = secret
    return keys


def unrecognized_client(message: str) -> AwsError:
    return AwsError("UnrecognizedClientException", message)


def invalid_signature(message: str) -> AwsError:
    return AwsError("InvalidSignatureException", message)


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # case-insensitive lookups (Starlette's Headers)
    body: bytes


class Verifier:
    def __init__(self, keys: Mapping[str, str], region: str) -> None:
        self._keys = dict(keys)
        self._region = region

    def verify(self, request: SignedRequest, now: datetime | None = None) -> str:
        """The access key id that signed `request`; raises AwsError when it is not signed by one
        of our keys, or the signature does not match."""
        if not self._keys:
            raise unrecognized_client(
                "The AWS API is disabled: no access keys are configured (set AWS_API_KEYS)"
            )
        authorization = request.headers.get("authorization")
        if not authorization:
            raise AwsError("MissingAuthenticationTokenException", "Missing Authentication Token")
        match = _AUTHORIZATION.match(authorization.strip())
        if match is None:
            raise invalid_signature("Authorization header is not AWS4-HMAC-SHA256")
        key_id, _, scope = match["credential"].partition("/")
        secret = self._keys.get(key_id)
        if secret is None:
            raise unrecognized_client("The security token included in the request is invalid.")
        timestamp = request.headers.get("x-amz-date", "")
        self._check_scope(scope, timestamp)
        self._check_clock(timestamp, now or datetime.now(UTC))
        self._check_payload_hash(request)
        expected = self._signature(request, key_id, secret, match["signed"], timestamp)
        if not hmac.compare_digest(expected, match["signature"]):
            raise invalid_signature(
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method."
            )
        return key_id

    def _check_scope(self, scope: str, timestamp: str) -> None:
        date, region, service, terminator = ([*scope.split("/"), "", "", "", ""])[:4]
        if terminator != "aws4_request" or service != SERVICE or date != timestamp[:8]:
            raise invalid_signature(f"Credential scope '{scope}' is not valid for {SERVICE}")
        if region != self._region:
            raise invalid_signature(
                f"Credential should be scoped to a valid region, not '{region}' "
                f"(this endpoint is '{self._region}')"
            )

    @staticmethod
    def _check_clock(timestamp: str, now: datetime) -> None:
        try:
            signed_at = datetime.strptime(timestamp, SIGV4_TIMESTAMP).replace(tzinfo=UTC)
        except ValueError:
            raise invalid_signature("X-Amz-Date is missing or malformed") from None
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise invalid_signature(
                f"Signature expired: {timestamp} is more than 15 minutes from the server's time"
            )

    @staticmethod
    def _check_payload_hash(request: SignedRequest) -> None:
        # A client that sends the body's hash in X-Amz-Content-SHA256 has it used in place of
        # the body when the signature is computed: the hash itself must then be the body's.
        claimed = request.headers.get("x-amz-content-sha256")
        if claimed in (None, UNSIGNED_PAYLOAD):
            return
        if not hmac.compare_digest(str(claimed), hashlib.sha256(request.body).hexdigest()):
            raise invalid_signature("X-Amz-Content-SHA256 does not match the body")

    def _signature(
        self, request: SignedRequest, key_id: str, secret: str, signed: str, timestamp: str
    ) -> str:
        names = signed.split(";")
        if "host" not in names:
            raise invalid_signature("the host header must be signed")
        # Exactly the headers the client signed, as it sent them.
        headers = {name: request.headers.get(name, "") for name in names}
        url = f"http://{headers['host']}{request.path}"
        if request.query:
            url += f"?{request.query}"
        # botocore looks up X-Amz-Content-SHA256 by that spelling.
        if "x-amz-content-sha256" in headers:
            headers["X-Amz-Content-SHA256"] = headers.pop("x-amz-content-sha256")
        aws_request = AWSRequest(method=request.method, url=url, headers=headers, data=request.body)
        aws_request.context["timestamp"] = timestamp
        signer = SigV4Auth(Credentials(key_id, secret), SERVICE, self._region)
        canonical = signer.canonical_request(aws_request)
        return str(signer.signature(signer.string_to_sign(aws_request, canonical), aws_request))
