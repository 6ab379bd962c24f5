"""The body guard on its own: a Content-Length over the limit is refused before any read."""

from __future__ import annotations

import json

from starlette.types import Message, Receive, Scope, Send

from servicekit.body_guard import JsonBodyGuard


async def _never_called(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("the app must not run")


async def _call(
    headers: list[tuple[bytes, bytes]],
    path: str = "/orders",
    own_format_paths: tuple[str, ...] = (),
) -> tuple[int, dict[str, object]]:
    sent: list[Message] = []

    async def receive() -> Message:
        raise AssertionError("the body must not be read")

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    guard = JsonBodyGuard(_never_called, max_bytes=1024, own_format_paths=own_format_paths)
    await guard(scope, receive, send)
    start, body = sent[0], sent[1]
    content_type = dict(start["headers"])[b"content-type"]
    assert content_type == b"application/problem+json"
    return start["status"], json.loads(body["body"])


async def test_announced_size_over_the_limit_is_413_without_reading() -> None:
    status, problem = await _call(
        [(b"content-type", b"application/json"), (b"content-length", b"1025")]
    )
    assert status == 413
    assert "1024" in str(problem["detail"])


async def test_wrong_content_type_is_415_without_reading() -> None:
    status, _ = await _call([(b"content-type", b"text/csv"), (b"content-length", b"10")])
    assert status == 415


async def test_content_length_that_is_not_a_number_is_400() -> None:
    status, _ = await _call([(b"content-type", b"application/json"), (b"content-length", b"ten")])
    assert status == 400


async def test_get_requests_pass_through() -> None:
    ran: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ran.append(scope["method"])

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        pass

    scope: Scope = {"type": "http", "method": "GET", "path": "/orders", "headers": []}
    await JsonBodyGuard(app, max_bytes=0)(scope, receive, send)
    assert ran == ["GET"]


async def test_own_format_paths_are_only_sized() -> None:
    bodies: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        bodies.append((await receive())["body"])

    async def receive() -> Message:
        return {"type": "http.request", "body": b'{"a": "\\u0000"}', "more_body": False}

    async def send(message: Message) -> None:
        pass

    headers = [(b"content-type", b"application/x-amz-json-1.0"), (b"content-length", b"15")]
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    await JsonBodyGuard(app, max_bytes=1024, own_format_paths=["/"])(scope, receive, send)
    assert bodies == [b'{"a": "\\u0000"}']
    status, _ = await _call([(b"content-length", b"2048")], path="/", own_format_paths=("/",))
    assert status == 413


async def test_a_content_length_of_other_digits_is_400() -> None:
    status, _ = await _call([(b"content-type", b"application/json"), (b"content-length", b"\xb2")])
    assert status == 400


async def test_json_nested_too_deep_to_decode_is_left_to_the_app() -> None:
    body = b"[" * 100_000 + b'"\\u0000"' + b"]" * 100_000
    bodies: list[bytes] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        bodies.append((await receive())["body"])

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        pass

    headers = [(b"content-type", b"application/json")]
    scope: Scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    await JsonBodyGuard(app, max_bytes=1_000_000)(scope, receive, send)
    assert bodies == [body]


async def test_a_client_gone_mid_body_is_not_answered() -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b'{"a": ', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    scope: Scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers}
    await JsonBodyGuard(_never_called, max_bytes=1024)(scope, receive, send)
    assert sent == []
