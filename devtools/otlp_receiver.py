"""A small OTLP/HTTP trace receiver for tests and benchmarks: the services export their spans
to it as they would to a collector (`OTEL_EXPORTER_OTLP_ENDPOINT`, protocol http/protobuf), and
it keeps them in memory, decoded with opentelemetry-proto.

    with OtlpReceiver() as receiver:
        Stack.create(..., **receiver.environment())
        ...
        spans = receiver.trace(trace_id)
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

# OpenTelemetry's span kinds, as OTLP numbers them.
KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str
    span_id: str
    parent_id: str  # "" for a trace's root
    name: str
    kind: str
    attributes: dict[str, Any]
    start_ns: int
    end_ns: int

    def __repr__(self) -> str:
        return f"<{self.service} {self.kind} {self.name!r} {self.span_id}<-{self.parent_id}>"


class OtlpReceiver:
    """Listens on 127.0.0.1, on a free port, in a thread of its own. With `keep=False` it only
    counts the spans (a benchmark's receiver, which should cost little)."""

    def __init__(self, keep: bool = True) -> None:
        self._keep = keep
        self.count = 0  # spans received
        self._spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def environment(self, schedule_delay_ms: int = 200) -> dict[str, str]:
        """The variables that turn tracing on in a service and point it here."""
        return {
            "OTEL_EXPORTER_OTLP_ENDPOINT": self.endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_BSP_SCHEDULE_DELAY": str(schedule_delay_ms),
        }

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self._spans)

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.spans() if span.trace_id == trace_id]

    def wait_for(
        self, found: Callable[[list[ReceivedSpan]], bool], timeout: float = 20.0
    ) -> list[ReceivedSpan]:
        """The spans received once `found(spans)` holds; AssertionError after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            spans = self.spans()
            if found(spans):
                return spans
            if time.monotonic() > deadline:
                raise AssertionError(f"spans not received in {timeout}s ({len(spans)} so far)")
            time.sleep(0.1)

    def settled(
        self, trace_id: str, quiet_seconds: float = 1.0, timeout: float = 20.0
    ) -> list[ReceivedSpan]:
        """The spans of `trace_id` once no new one has come for `quiet_seconds`: each process
        exports on its own schedule, so the last span received is not the last one ended."""
        deadline = time.monotonic() + timeout
        count, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            spans = self.trace(trace_id)
            if len(spans) != count:
                count, quiet_since = len(spans), time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_seconds:
                return spans
            time.sleep(0.1)
        raise AssertionError(f"trace {trace_id} still growing after {timeout}s")

    def _receive(self, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        if not self._keep:
            spans = sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
            with self._lock:
                self.count += spans
            return
        received = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            service = str(resource.get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=service,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            name=span.name,
                            kind=KINDS.get(span.kind, str(span.kind)),
                            attributes=_attributes(span.attributes),
                            start_ns=span.start_time_unix_nano,
                            end_ns=span.end_time_unix_nano,
                        )
                    )
        with self._lock:
            self._spans.extend(received)
            self.count += len(received)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path.rstrip("/") != "/v1/traces":
                    self.send_error(404)
                    return
                receiver._receive(body)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:  # no line per export on stderr
                pass

        return Handler


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind)
