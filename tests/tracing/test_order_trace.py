"""One order, one trace: web's request, StartExecution, each command published and consumed,
each service's work and its database calls, each reply, and the execution's end, linked parent
to child across all five processes (spans collected by a real OTLP/HTTP receiver)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devtools.otlp_receiver import OtlpReceiver, ReceivedSpan
from devtools.processes import Stack
from tests.e2e.orders import order_request, place, stocked_product, wait_finished

pytestmark = pytest.mark.e2e

RESULT_QUEUE = "orchestrator.results"
STEPS = (  # (queue, service, command type) in the order the workflow runs them
    ("payment.commands", "payment_service", "ChargePayment"),
    ("inventory.commands", "inventory_service", "HoldItems"),
    ("shipping.commands", "shipping_service", "ShipOrder"),
)


class Trace:
    def __init__(self, spans: list[ReceivedSpan]) -> None:
        self.spans = spans

    def children(self, parent: ReceivedSpan) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.parent_id == parent.span_id]

    def child(
        self, parent: ReceivedSpan, what: str, test: Callable[[ReceivedSpan], bool]
    ) -> ReceivedSpan:
        found = [span for span in self.children(parent) if test(span)]
        assert len(found) == 1, f"{what} under {parent}: {found} of {self.children(parent)}"
        return found[0]

    def named(self, parent: ReceivedSpan, name: str) -> ReceivedSpan:
        return self.child(parent, name, lambda span: span.name == name)

    def published(self, parent: ReceivedSpan, queue: str) -> ReceivedSpan:
        return self.child(
            parent,
            f"publish to {queue}",
            lambda s: s.kind == "PRODUCER" and s.name.endswith(f"{queue} send"),
        )

    def consumed(self, parent: ReceivedSpan, service: str) -> ReceivedSpan:
        return self.child(
            parent, f"consume in {service}", lambda s: s.kind == "CONSUMER" and s.service == service
        )


def order_trace(receiver: OtlpReceiver, order_id: str, end: str) -> tuple[Trace, ReceivedSpan]:
    """The trace of the order's execution (once its `end` span and every other span is in),
    and its StartExecution span."""
    execution_id = f"order-fulfillment:{order_id}"

    def started(span: ReceivedSpan) -> bool:
        return (
            span.name == "StartExecution"
            and span.attributes.get("stepwise.execution_id") == execution_id
        )

    start = next(s for s in receiver.wait_for(lambda spans: any(map(started, spans))) if started(s))
    receiver.wait_for(
        lambda spans: any(s.trace_id == start.trace_id and s.name == end for s in spans)
    )
    return Trace(receiver.settled(start.trace_id)), start


def order_lines(stack: Stack, service: str, order_id: str) -> list[dict[str, Any]]:
    """The service's JSON log lines about the order that name an event."""
    text = stack.services[service].log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("order_id") == order_id and "event" in line]


def test_an_order_is_one_trace_from_request_to_execution_end(
    web: httpx.Client, receiver: OtlpReceiver, traced_stack: Stack
) -> None:
    order_id = place(web, order_request(stocked_product(web)["sku"]))
    assert wait_finished(web, order_id)["status"] == "COMPLETED"

    trace, start = order_trace(receiver, order_id, "ExecutionSucceeded")

    # web's request -> its call to the orchestrator -> the orchestrator's request -> StartExecution
    roots = [s for s in trace.spans if not s.parent_id]
    assert [(s.service, s.kind, s.name) for s in roots] == [("web", "SERVER", "POST /orders")]
    request = trace.child(
        roots[0],
        "web's call",
        lambda s: (
            s.kind == "CLIENT"
            and bool(
                [c for c in trace.children(s) if c.service == "orchestrator" and c.kind == "SERVER"]
            )
        ),
    )
    served = trace.child(request, "the orchestrator's request", lambda s: s.kind == "SERVER")
    assert trace.named(served, "StartExecution") == start
    # Starts are written in batches (orchestrator.starts): a lone one's under its trace.
    written = trace.named(start, "write starts")
    assert any(s.attributes.get("db.system") == "postgresql" for s in trace.children(written))

    # each command: published -> consumed -> the work -> its database calls and its reply ->
    # the reply consumed by the orchestrator -> the next command published under it
    decided_by = start
    for queue, service, command_type in STEPS:
        consumed = trace.consumed(trace.published(decided_by, queue), service)
        work = trace.named(consumed, command_type)
        queries = [s for s in trace.children(work) if s.attributes.get("db.system") == "postgresql"]
        assert queries, f"no database call under {work}"
        decided_by = trace.consumed(trace.published(work, RESULT_QUEUE), "orchestrator")

    end = trace.named(decided_by, "ExecutionSucceeded")
    assert end.attributes["stepwise.status"] == "SUCCEEDED"
    assert {s.service for s in trace.spans} == {
        "web",
        "orchestrator",
        "payment_service",
        "inventory_service",
        "shipping_service",
    }

    # The order's log lines carry the trace id: the orchestrator's lifecycle lines (written
    # after commit, from the trace stored with the execution) and each service's effect (written
    # inside the span of its work).
    events = {
        "orchestrator": {"started", "scheduled", "succeeded"},
        "payment_service": {"charged"},
        "inventory_service": {"held"},
        "shipping_service": {"shipped"},
        "web": {"placed"},
    }
    for service, expected in events.items():
        lines = order_lines(traced_stack, service, order_id)
        assert {line["event"] for line in lines} >= expected, service
        assert {line.get("trace_id") for line in lines} == {start.trace_id}, service


def test_commands_sent_after_a_retry_backoff_stay_in_the_order_trace(
    web: httpx.Client, receiver: OtlpReceiver
) -> None:
    """A retry's command is published when its timer fires, with no message or request to
    carry the trace: it joins the trace stored with the execution."""
    order_id = place(web, order_request(stocked_product(web)["sku"], token="tok_transientError"))
    assert wait_finished(web, order_id, timeout=60)["status"] == "FAILED"

    trace, start = order_trace(receiver, order_id, "ExecutionFailed")

    charges = [s for s in trace.spans if s.name == "ChargePayment"]
    assert len(charges) == 4  # the first attempt and three retries
    to_payment = [s for s in trace.spans if s.kind == "PRODUCER" and "payment.commands" in s.name]
    retried = [s for s in to_payment if s.parent_id == start.span_id]
    assert len(retried) == 4, "the first charge and each retry published under StartExecution"
    by_id = {s.span_id: s for s in trace.spans}
    end = next(s for s in trace.spans if s.name == "ExecutionFailed")
    assert by_id[end.parent_id].kind == "CONSUMER"  # the refund's reply ended it
    assert end.attributes["stepwise.error"] == "ServiceUnavailable"
