"""RFC 9457 problem details: every 4xx/5xx body says what is wrong, as application/problem+json."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from aiormq.exceptions import AMQPError, ChannelInvalidStateError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.transient import describe, is_transient

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# What a dependency that went away raises (servicekit.transient sorts out which are transient):
# asyncpg's own errors come from the hot pool (servicekit.pg), AMQPError from a broker that is
# reconnecting.
INFRASTRUCTURE_ERRORS = (
    OSError,
    SQLAlchemyError,
    ChannelInvalidStateError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    AMQPError,
)


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem+json body."""

    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors


# The OpenAPI description of every error answer (servicekit.http documents it on every route,
# in place of FastAPI's 422 with its own body, which is not what the handlers below send).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "one per field that is wrong",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {
        "description": "the request is wrong: problem details naming the field",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    },
    "5XX": {
        "description": "a dependency is unavailable (503, with Retry-After) or a bug",
        "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
    },
}


def problem_response(
    status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "items", 0, "sku") -> "items[0].sku"
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Malformed JSON is a 400, not a field of the request that is wrong.
    broken = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if broken:
        reason = broken[0].get("ctx", {}).get("error", "JSON decode error")
        position = broken[0]["loc"][-1]
        detail = f"the body is not valid JSON: {reason} at character {position}"
        return problem_response(400, "Malformed JSON", detail)
    errors = [
        {"field": _field_name(err.get("loc", ())), "message": err.get("msg", "invalid")}
        for err in exc.errors()
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem_response(422, "Invalid request", detail, errors)


async def _on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(exc.status_code, str(exc.detail), str(exc.detail))


async def _on_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.title, exc.detail, exc.errors)


async def _on_infrastructure_error(request: Request, exc: Exception) -> JSONResponse:
    """The database or the broker is away for a moment: 503, so the client retries."""
    if not is_transient(exc):
        raise exc  # a bug: a 500, with its traceback in the log
    log.warning("%s %s: %s; answered 503", request.method, request.url.path, describe(exc))
    response = problem_response(
        503, "ServiceUnavailable", "a dependency is unavailable for a moment; retry shortly"
    )
    response.headers["Retry-After"] = "1"
    return response


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Problem, _on_problem)
    for error in INFRASTRUCTURE_ERRORS:
        app.add_exception_handler(error, _on_infrastructure_error)
