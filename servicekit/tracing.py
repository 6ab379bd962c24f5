"""OpenTelemetry traces: one trace per order across HTTP, AMQP and Postgres.

On only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: then spans go over OTLP/HTTP (protobuf) to
that collector, and FastAPI, aiohttp's client, asyncpg and aio-pika are instrumented (aio-pika
carries the W3C `traceparent` in each message's headers). Otherwise nothing is installed and
OpenTelemetry's SDK is never imported: every helper here returns at its first line, so the hot
path pays one function call per message.

What the instrumentations cannot see, the code says with these helpers: a command written to
the outbox keeps the `traceparent` of the work that decided it (`traceparent()` into its
headers), and is published under it (`attached(headers)`), whenever and by whichever path it is
published; the orchestrator's own steps are `span(...)`s under such a stored parent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACEPARENT = "traceparent"

_on = False
_OFF: AbstractContextManager[Any] = nullcontext()


def is_on() -> bool:
    return _on


def configure_tracing(service_name: str) -> bool:
    """Install the tracer provider and the instrumentations when an OTLP endpoint is set;
    returns whether tracing is on. Call once, before any connection or client is opened."""
    global _on
    if _on or not os.environ.get(ENDPOINT_VARIABLE):
        return _on
    from servicekit.tracing_setup import install

    install(service_name)
    _on = True
    log.info("tracing on: spans exported over OTLP to %s", os.environ[ENDPOINT_VARIABLE])
    return True


def instrument_app(app: FastAPI) -> None:
    """A server span for each HTTP request of `app` (health and metrics scrapes left out)."""
    if not _on:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    # Not a span for every ASGI message sent or received: the request's own span is enough.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,metrics", exclude_spans=["receive", "send"]
    )


def traceparent() -> str | None:
    """The W3C traceparent of the current span, to store for work that happens later."""
    if not _on:
        return None
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get(TRACEPARENT)


def trace_id() -> str | None:
    """The current trace's id (32 hex digits), for log lines; None for a trace not recorded
    (OTEL_TRACES_SAMPLER_ARG below 1), which a log line could not lead to."""
    if not _on:
        return None
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    recorded = context.is_valid and context.trace_flags.sampled
    return format(context.trace_id, "032x") if recorded else None


def trace_id_of(parent: str | None) -> str | None:
    """The trace id inside a stored traceparent (`00-<trace id>-<span id>-<flags>`), if that
    trace is recorded (flag 01)."""
    if not parent:
        return None
    parts = parent.split("-")
    try:
        recorded = len(parts) == 4 and int(parts[3], 16) & 1 == 1  # the sampled flag
    except ValueError:
        return None
    return parts[1] if recorded else None


def attached(headers: Mapping[str, Any] | None) -> AbstractContextManager[Any]:
    """Make the trace context stored in `headers` current, for the block."""
    if not _on or not headers or TRACEPARENT not in headers:
        return _OFF
    return _attached(headers)


@contextmanager
def _attached(headers: Mapping[str, Any]) -> Iterator[None]:
    from opentelemetry import context

    token = _attach(str(headers[TRACEPARENT]))
    try:
        yield
    finally:
        context.detach(token)


def span(
    name: str,
    *,
    parent: str | None = None,
    links: Sequence[str] = (),
    attributes: Mapping[str, str | int] | None = None,
) -> AbstractContextManager[Any]:
    """A span around the block: under the current span, or under the stored `parent`
    traceparent when one is given; `links` are traceparents it relates to (a batch's others)."""
    if not _on:
        return _OFF
    return _span(name, parent, links, attributes)


def batch_span(
    name: str, traceparents: Iterable[str | None], size: int
) -> AbstractContextManager[Any]:
    """A span around work done for a batch of callers (a group commit): a lone caller's work
    belongs to its trace; a batch's is linked to each of theirs."""
    if not _on:
        return _OFF
    parents = [traceparent for traceparent in traceparents if traceparent]
    lone = size == 1
    return _span(
        name,
        parents[0] if lone and parents else None,
        () if lone else parents,
        {"stepwise.batch_size": size},
    )


@contextmanager
def _span(
    name: str,
    parent: str | None,
    links: Sequence[str],
    attributes: Mapping[str, str | int] | None,
) -> Iterator[Any]:
    from opentelemetry import context, propagate, trace

    tracer = trace.get_tracer("stepwise")
    linked = [
        trace.Link(
            trace.get_current_span(propagate.extract({TRACEPARENT: link})).get_span_context()
        )
        for link in links
    ]
    token = None if parent is None else _attach(parent)
    try:
        with tracer.start_as_current_span(
            name, links=linked, attributes=dict(attributes or {})
        ) as current:
            yield current
    finally:
        if token is not None:
            context.detach(token)


def _attach(parent: str) -> Any:
    """Make the stored `parent` the current span, in a context of its own: nothing of the
    caller's context carries over."""
    from opentelemetry import context, propagate

    return context.attach(propagate.extract({TRACEPARENT: parent}, context=context.Context()))
