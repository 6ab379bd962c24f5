"""Tracing off costs nothing: no SDK, no provider, helpers that return at once; and what it
records when on is decided as documented."""

from __future__ import annotations

import subprocess
import sys

import pytest
from opentelemetry.trace import SpanKind

from orchestrator.engine.api import TaskCommand
from orchestrator.writes import command_headers
from servicekit import tracing
from servicekit.tracing_setup import NoStrayQueries

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tracing.ENDPOINT_VARIABLE, raising=False)
    assert tracing.configure_tracing("test") is False
    assert not tracing.is_on()
    assert tracing.traceparent() is None
    assert tracing.trace_id() is None
    with tracing.span("StartExecution", parent=PARENT) as span:
        assert span is None
    with tracing.batch_span("settle replies", [PARENT, None], 2) as span:
        assert span is None
    with tracing.attached({tracing.TRACEPARENT: PARENT}) as attached:
        assert attached is None


def test_off_imports_no_sdk() -> None:
    """A service's hot path with tracing off never loads OpenTelemetry's SDK or exporter."""
    code = (
        "import sys, os; os.environ.pop('OTEL_EXPORTER_OTLP_ENDPOINT', None);"
        "import orchestrator.service, orchestrator.outbox_relay, servicekit.inbox;"
        "import servicekit.serve;"
        "from servicekit import tracing; tracing.configure_tracing('x');"
        "loaded = [m for m in sys.modules if m.startswith(('opentelemetry.sdk',"
        " 'opentelemetry.exporter', 'opentelemetry.instrumentation'))];"
        "print(','.join(loaded))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""


def test_trace_id_of_a_stored_traceparent() -> None:
    assert tracing.trace_id_of(PARENT) == "0af7651916cd43dd8448eb211c80319c"
    assert tracing.trace_id_of(None) is None
    assert tracing.trace_id_of("garbage") is None
    not_recorded = PARENT[:-2] + "00"
    assert tracing.trace_id_of(not_recorded) is None


def test_a_command_carries_its_traceparent_only_when_there_is_one() -> None:
    command = TaskCommand(
        token="t", queue="payment.commands", payload={}, state_name="ChargePayment", attempt=0
    )
    assert tracing.TRACEPARENT not in command_headers("e", command)
    assert command_headers("e", command, PARENT)[tracing.TRACEPARENT] == PARENT


def sampled(sampler: NoStrayQueries, kind: SpanKind, attributes: dict[str, str]) -> bool:
    result = sampler.should_sample(None, 1 << 64, "name", kind, attributes)
    return result.decision.is_sampled()


def test_database_calls_outside_any_trace_are_dropped() -> None:
    sampler = NoStrayQueries()
    assert not sampled(sampler, SpanKind.CLIENT, {"db.system": "postgresql"})
    assert sampled(sampler, SpanKind.SERVER, {"http.method": "POST"})
    assert sampled(sampler, SpanKind.CLIENT, {"http.method": "POST"})


def test_a_ratio_keeps_that_share_of_new_traces() -> None:
    assert not sampled(NoStrayQueries(0.0), SpanKind.SERVER, {})
    assert sampled(NoStrayQueries(1.0), SpanKind.SERVER, {})
