"""The lean HTTP client's request encoding and response parsing (pure functions on bytes)."""

from __future__ import annotations

import json

import pytest

from bench.http_client import (
    Head,
    HttpClient,
    HttpError,
    encode_request,
    parse_head,
    parse_response,
)


def response(status: str, headers: list[str], body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\n".encode()
        + "".join(f"{h}\r\n" for h in headers).encode()
        + (b"\r\n" + body)
    )


def test_encode_request_is_a_post_with_the_json_length() -> None:
    body = json.dumps({"name": "é"}).encode()
    raw = encode_request("127.0.0.1:8000", "/executions", body)
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /executions HTTP/1.1"
    assert "Host: 127.0.0.1:8000" in lines
    assert "Content-Type: application/json" in lines
    assert f"Content-Length: {len(body)}" in lines
    assert rest == body


def test_encode_request_without_a_body_is_a_get() -> None:
    raw = encode_request("h:1", "/executions/m%3Ax/history?waitSeconds=20", None, {"A": "b"})
    assert (
        raw == b"GET /executions/m%3Ax/history?waitSeconds=20 HTTP/1.1\r\nHost: h:1\r\nA: b\r\n\r\n"
    )


def test_parse_head_reads_status_length_and_keep_alive() -> None:
    head = b"HTTP/1.1 201 Created\r\ndate: x\r\nCONTENT-LENGTH: 17\r\ncontent-type: a/b\r\n\r\n"
    assert parse_head(head) == Head(status=201, content_length=17, close=False)


def test_parse_head_sees_connection_close_and_http_1_0() -> None:
    assert parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").close
    assert parse_head(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").close


def test_parse_head_accepts_a_status_line_without_a_reason() -> None:
    assert parse_head(b"HTTP/1.1 204\r\ncontent-length: 0\r\n\r\n").status == 204


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", "chunked"),
        (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n", "no Content-Length"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: many\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n", "bad Content-Length"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n", "bad status code"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line"),
    ],
)
def test_parse_head_refuses_what_it_cannot_read(head: bytes, message: str) -> None:
    with pytest.raises(HttpError, match=message):
        parse_head(head)


def test_parse_response_returns_the_json_body() -> None:
    body = json.dumps({"executionId": "m:1", "status": "RUNNING"}).encode()
    raw = response(
        "201 Created", ["content-type: application/json", f"content-length: {len(body)}"], body
    )
    assert parse_response(raw) == (201, {"executionId": "m:1", "status": "RUNNING"})


def test_parse_response_of_an_empty_body_is_none() -> None:
    assert parse_response(response("204 No Content", ["content-length: 0"], b"")) == (204, None)


def test_parse_response_refuses_a_short_body_or_no_blank_line() -> None:
    with pytest.raises(HttpError, match="Content-Length 10"):
        parse_response(response("200 OK", ["content-length: 10"], b"{}"))
    with pytest.raises(HttpError, match="blank line"):
        parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n")


def test_client_takes_only_plain_http_urls() -> None:
    client = HttpClient("http://127.0.0.1:8123", 4)
    assert (client.host, client.port, client.host_header) == ("127.0.0.1", 8123, "127.0.0.1:8123")
    with pytest.raises(ValueError, match="http://"):
        HttpClient("https://example.com", 4)
