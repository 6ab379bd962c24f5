"""The waterfall's segments, from a synthetic trace of one order (no servers)."""

from __future__ import annotations

from bench.order_waterfall import segment_samples, segments, waterfall
from devtools.otlp_receiver import ReceivedSpan


def span(service: str, name: str, kind: str, start_ms: float) -> ReceivedSpan:
    start = int(start_ms * 1e6)
    return ReceivedSpan(service, "t", f"{service}{start}", "", name, kind, {}, start, start + 1)


def one_order(offset: float = 0.0) -> list[ReceivedSpan]:
    spans = [span("web", "POST /orders", "SERVER", 0)]
    at = 5.0
    for service, queue in (("payment_service", "payment"), ("shipping_service", "shipping")):
        spans += [
            span("orchestrator", f",{queue}.commands send", "PRODUCER", at),
            span(service, f"{queue}.commands receive", "CONSUMER", at + 2),
            span(service, "orchestrator.results,orchestrator.results send", "PRODUCER", at + 5),
            span("orchestrator", "orchestrator.results receive", "CONSUMER", at + 6 + offset),
        ]
        at += 10 + offset
    spans.append(span("orchestrator", "ExecutionSucceeded", "INTERNAL", at - 1))
    return list(reversed(spans))  # any order: segments sorts them


def test_each_hop_is_timed_between_the_spans_that_bound_it() -> None:
    found = dict(segments(one_order()))
    ms = {name: round(ns / 1e6, 3) for name, ns in found.items()}
    assert ms == {
        "web + StartExecution, to the first command's publish": 5.0,
        "broker: command to payment_service": 2.0,
        "payment_service: its transaction and the reply's publish": 3.0,
        "broker: payment_service's reply to the orchestrator": 1.0,
        "orchestrator: payment_service's reply decided, to the next command's publish": 4.0,
        "broker: command to shipping_service": 2.0,
        "shipping_service: its transaction and the reply's publish": 3.0,
        "broker: shipping_service's reply to the orchestrator": 1.0,
        "orchestrator: shipping_service's reply decided, to the execution's end": 3.0,
    }


def test_the_waterfall_takes_each_segments_median_in_path_order() -> None:
    rows = waterfall([one_order(0.0), one_order(2.0), one_order(4.0)])
    assert rows[0][0].startswith("web")
    assert dict(rows)["broker: payment_service's reply to the orchestrator"] == 3.0


def test_under_load_every_orders_time_of_a_segment_is_kept_for_its_percentiles() -> None:
    rows = dict(segment_samples([one_order(0.0), one_order(4.0), one_order(2.0)]))
    assert rows["broker: payment_service's reply to the orchestrator"] == [1.0, 5.0, 3.0]
    assert len(rows) == 9
