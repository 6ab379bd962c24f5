"""One order, one trace: web's request, StartExecution, each command published and consumed,
each service's work and its database calls, each reply, and the execution's end, linked parent
to child across all five processes (spans collected by a real OTLP/HTTP receiver)."""

from __future__ import annotations

import json
from collections.abc import Callable

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


def execution_started(order_id: str) -> Callable[[list[ReceivedSpan]], bool]:
    execution_id = f"order-fulfillment:{order_id}"
    return lambda spans: any(
        s.name == "StartExecution" and s.attributes.get("stepwise.execution_id") == execution_id
        for s in spans
    )


def test_an_order_is_one_trace_from_request_to_execution_end(
    web: httpx.Client, receiver: OtlpReceiver, traced_stack: Stack
) -> None:
    order_id = place(web, order_request(stocked_product(web)["sku"]))
    assert wait_finished(web, order_id)["status"] == "COMPLETED"

    spans = receiver.wait_for(execution_started(order_id))
    start = next(s for s in spans if s.name == "StartExecution" and order_id in str(s.attributes))
    trace_id = start.trace_id
    receiver.wait_for(
        lambda spans: any(s.trace_id == trace_id and s.name == "ExecutionSucceeded" for s in spans)
    )
    trace = Trace(receiver.settled(trace_id))

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
    assert any(s.attributes.get("db.system") == "postgresql" for s in trace.children(start))

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

    # The orchestrator's lifecycle lines of this execution carry the trace id.
    log_path = traced_stack.services["orchestrator"].log_path
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    lifecycle = [line for line in lines if line.get("order_id") == order_id and "event" in line]
    assert {line["event"] for line in lifecycle} >= {"started", "scheduled", "succeeded"}
    assert {line.get("trace_id") for line in lifecycle} == {trace_id}
