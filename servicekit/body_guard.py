"""ASGI middleware in front of every service: a request body must be JSON (415), at most
`max_bytes` long (413), and hold no text a store cannot keep (400 naming the field, see
servicekit.storable).

The size is checked twice: against Content-Length before the app runs, and while the body is
read, for a client that sends more than it announced or streams it chunked. The body is read
here whole (it is bounded) and handed to the app as one message."""

from __future__ import annotations

import json
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.problems import problem_response
from servicekit.storable import may_hold_unstorable, unstorable_field, unstorable_problem

_METHODS_WITH_BODY = {"POST", "PUT", "PATCH"}


def media_type_of(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(media_type: str) -> bool:
    main, _, sub = media_type.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


class _BodyTooLarge(Exception):
    pass


class JsonBodyGuard:
    """On `own_format_paths` (AWS's protocol on the orchestrator's `POST /`, which answers bad
    input in AWS's shapes and checks its text itself) only the size is checked."""

    def __init__(self, app: ASGIApp, max_bytes: int, own_format_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_format_paths = frozenset(own_format_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS_WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        if length is not None and not (length.isascii() and length.isdigit()):
            await problem_response(400, "Bad request", "Content-Length is not a number")(
                scope, receive, send
            )
            return
        has_body = int(length or 0) > 0 or "transfer-encoding" in headers
        own_format = scope["path"] in self.own_format_paths
        media_type = media_type_of(headers.get("content-type", ""))
        if has_body and not own_format and not is_json(media_type):
            detail = f"send the body as application/json, not {headers.get('content-type')!r}"
            await problem_response(415, "Unsupported media type", detail)(scope, receive, send)
            return
        if length is not None and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        try:
            body = await self._read(receive)
        except _BodyTooLarge:
            await self._too_large(scope, receive, send)
            return
        if body is None:
            return  # the client went away mid-body: no one to answer
        if not own_format and may_hold_unstorable(body):
            found = _unstorable_in(body)
            if found is not None:
                problem = unstorable_problem(*found)
                response = problem_response(
                    problem.status, problem.title, problem.detail, problem.errors
                )
                await response(scope, receive, send)
                return
        await self.app(scope, _replaying(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None if the client disconnected before sending it."""
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"the request body is larger than {self.max_bytes} bytes"
        await problem_response(413, "Content too large", detail)(scope, receive, send)


def _unstorable_in(body: bytes) -> tuple[str, str] | None:
    try:
        decoded = json.loads(body)
    except (ValueError, RecursionError):
        return None  # malformed, or nested too deep: the app answers that
    return unstorable_field(decoded)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """The body as one message, then the client's own messages (a disconnect, say)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
