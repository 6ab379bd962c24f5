"""AWS's JSON 1.0 protocol on `POST /`: `X-Amz-Target: AWSStepFunctions.<Operation>`, a JSON
body, a JSON answer; an error is `{"__type": <code>, "message": ...}` so that botocore raises
the modelled exception. Every request is checked for a SigV4 signature first: a refused one
changes nothing."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from orchestrator.aws_api import (
    activities,
    aliases,
    executions,
    map_runs,
    state_machines,
    sync,
    tags,
    tasks,
    test_state,
)
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError
from orchestrator.aws_api.shapes import Request as OperationRequest
from orchestrator.aws_api.sigv4 import SignedRequest, Verifier
from orchestrator.errors import OrchestratorError
from servicekit.storable import unstorable_field

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AWSStepFunctions."

OPERATIONS: dict[str, Operation] = {
    **state_machines.OPERATIONS,
    **aliases.OPERATIONS,
    **executions.OPERATIONS,
    **sync.OPERATIONS,
    **map_runs.OPERATIONS,
    **tasks.OPERATIONS,
    **tags.OPERATIONS,
    **activities.OPERATIONS,
    **test_state.OPERATIONS,
}

router = APIRouter()


def aws_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status, media_type=CONTENT_TYPE)


def error_response(error: AwsError) -> Response:
    return aws_response({"__type": error.code, "message": error.message}, error.status)


@router.post("/", include_in_schema=False)
async def aws_json(request: Request) -> Response:
    """Every operation of AWS's Step Functions API (see orchestrator.aws_api)."""
    api: AwsApi = request.app.state.aws_api
    verifier: Verifier = request.app.state.aws_verifier
    raw = await request.body()
    try:
        verifier.verify(
            SignedRequest(request.method, request.url.path, request.url.query, request.headers, raw)
        )
        operation = _operation(request.headers.get("x-amz-target"))
        body = _body(raw)
        return aws_response(await operation(api, OperationRequest(body, request.is_disconnected)))
    except AwsError as exc:
        return error_response(exc)
    except OrchestratorError as exc:  # one an operation did not translate: still a clean 400
        return error_response(AwsError("ValidationException", str(exc)))
    except Exception:
        # AWS's shape for a fault of ours, so SDKs see a 500 they know (and retry it).
        log.exception("AWS API %s failed", request.headers.get("x-amz-target"))
        return error_response(AwsError("InternalFailure", "internal error; see the logs", 500))


def _operation(target: str | None) -> Operation:
    name = (target or "").removeprefix(TARGET_PREFIX)
    operation = OPERATIONS.get(name) if target and target.startswith(TARGET_PREFIX) else None
    if operation is None:
        raise AwsError("UnknownOperationException", f"Unknown operation: '{target}'")
    return operation


def _body(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):  # nested too deep for the decoder: not ours either
        raise AwsError("SerializationException", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AwsError("SerializationException", "the body must be a JSON object")
    unstorable = unstorable_field(body)
    if unstorable is not None:  # Postgres would refuse it (servicekit.storable)
        raise AwsError("ValidationException", "{}: {}".format(*unstorable))
    return body
