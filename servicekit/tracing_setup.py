"""The OpenTelemetry SDK's side of servicekit.tracing, imported only when tracing is on."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes


class NoStrayQueries(Sampler):
    """Decides whether a new trace is recorded: `ratio` of them (OTEL_TRACES_SAMPLER_ARG, 1 by
    default), never a database call that belongs to no trace (the timer loop's and the outbox
    relay's polls, a metrics scrape's counts): each would be a one-span trace every fraction of
    a second. A span inside a trace follows its parent's decision (ParentBased), so an order is
    traced whole or not at all."""

    def __init__(self, ratio: float = 1.0) -> None:
        self._traces: Sampler = ALWAYS_ON if ratio >= 1 else TraceIdRatioBased(max(ratio, 0.0))

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT and attributes and _is_query(attributes):
            return SamplingResult(Decision.DROP)
        return self._traces.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return "NoStrayQueries"


def _is_query(attributes: Any) -> bool:
    return "db.system" in attributes or "db.system.name" in attributes


def install(service_name: str) -> None:
    """The tracer provider (OTLP/HTTP exporter, batched) and the instrumentations."""
    # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_* and OTEL_BSP_* are read
    # by the SDK itself.
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service_name)})
    ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG") or 1.0)
    provider = TracerProvider(resource=resource, sampler=ParentBased(root=NoStrayQueries(ratio)))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    AsyncPGInstrumentor().instrument()  # parameters are never recorded: they hold task tokens
    AioPikaInstrumentor().instrument()
    AioHttpClientInstrumentor().instrument()
