"""A minimal asyncio HTTP/1.1 client for the bench drivers (engine, map, store): JSON POSTs and
GETs over a pool of keep-alive connections, and nothing else.

httpx costs the driver about 3.5 ms of CPU per execution, on the same cores as the processes it
measures; this costs a fraction of that. It only speaks what uvicorn (the orchestrator, web) answers
to these requests: a status line, headers, and a body of `Content-Length` bytes. Anything else
(chunked bodies, no length) is an error, not silently mis-read.

The parsing is pure functions on bytes (`encode_request`, `parse_head`), tested in
tests/unit/bench/test_http_client.py."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class HttpError(Exception):
    """The response is not one this client can read (or the connection broke mid-response)."""


@dataclass(frozen=True)
class Head:
    status: int
    content_length: int
    close: bool  # the server will close the connection after this response


def encode_request(
    host: str, path: str, body: bytes | None, headers: Mapping[str, str] | None = None
) -> bytes:
    """The bytes of `POST path` with a JSON body, or of `GET path` when `body` is None (and
    `headers`, Authorization say)."""
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    if body is None:
        return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode("latin-1")
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{extra}Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1") + body


def parse_head(head: bytes) -> Head:
    """The status line and headers of a response, up to and including the blank line."""
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/1."):
        raise HttpError(f"not an HTTP/1.x status line: {lines[0]!r}")
    try:
        status = int(status_line[1])
    except ValueError:
        raise HttpError(f"bad status code in {lines[0]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon:
            raise HttpError(f"bad header line {line!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise HttpError("chunked response: this client reads only bodies with a Content-Length")
    if "content-length" not in headers:
        raise HttpError(f"response {status} has no Content-Length")
    try:
        length = int(headers["content-length"])
    except ValueError:
        raise HttpError(f"bad Content-Length {headers['content-length']!r}") from None
    if length < 0:
        raise HttpError(f"bad Content-Length {length}")
    close = headers.get("connection", "").lower() == "close" or status_line[0] == "HTTP/1.0"
    return Head(status, length, close)


def parse_response(raw: bytes) -> tuple[int, Any]:
    """(status, JSON body) of one whole response in `raw` (as `post_json` reads it)."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        raise HttpError("no blank line after the headers")
    head = parse_head(raw[: end + 4])
    body = raw[end + 4 :]
    if len(body) != head.content_length:
        raise HttpError(f"body of {len(body)} bytes, Content-Length {head.content_length}")
    return head.status, json.loads(body) if body else None


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class HttpClient:
    """JSON POSTs and GETs to one server (`base_url`, http only) over at most `size` keep-alive
    connections, opened as needed and reused. Callers should not have more than `size`
    requests in flight (the engine driver's semaphore sees to that); beyond it, extra
    connections are opened and closed after use."""

    def __init__(self, base_url: str, size: int, headers: Mapping[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"http://host[:port] expected, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self.size = size
        self.headers = dict(headers or {})
        self.idle: list[Connection] = []

    async def _open(self) -> Connection:
        return await asyncio.open_connection(self.host, self.port)

    def _checkout(self) -> Connection | None:
        while self.idle:
            reader, writer = self.idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()  # the server closed it while idle
        return None

    def _checkin(self, connection: Connection) -> None:
        if len(self.idle) < self.size:
            self.idle.append(connection)
        else:
            connection[1].close()

    async def post_json(self, path: str, body: Any) -> tuple[int, Any]:
        """(status, parsed JSON body) of `POST path` with `body` as JSON."""
        return await self._exchange(path, json.dumps(body).encode())

    async def get_json(self, path: str) -> tuple[int, Any]:
        """(status, parsed JSON body) of `GET path`."""
        return await self._exchange(path, None)

    async def _exchange(self, path: str, body: bytes | None) -> tuple[int, Any]:
        """A POST of `body`, or a GET when there is none (as `encode_request` writes it)."""
        method = "GET" if body is None else "POST"
        request = encode_request(self.host_header, path, body, self.headers)
        connection = self._checkout()
        reused = connection is not None
        if connection is None:
            connection = await self._open()
        reader, writer = connection
        try:
            writer.write(request)
            await writer.drain()
        except ConnectionError:
            writer.close()
            if not reused:
                raise
            # Not sent: the server had closed this idle connection. Once, on a new one.
            reader, writer = await self._open()
            writer.write(request)
            await writer.drain()
        try:
            head = parse_head(await reader.readuntil(b"\r\n\r\n"))
            payload = await reader.readexactly(head.content_length)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
            writer.close()
            raise HttpError(f"{method} {path}: connection broke before the whole response") from exc
        except BaseException:  # HttpError, or the caller's timeout cancelling the read midway
            writer.close()
            raise
        if head.close:
            writer.close()
        else:
            self._checkin((reader, writer))
        return head.status, json.loads(payload) if payload else None

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for _, writer in idle:
            writer.close()
        for _, writer in idle:
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
