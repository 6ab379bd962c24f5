"""Histograms read back from exposition text, and the difference between two readings."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from bench.order_hops import histogram


def exposition(waits: dict[str, list[float]]) -> str:
    registry = CollectorRegistry()
    metric = Histogram(
        "amqp_queue_wait_seconds", "", ["queue"], buckets=(0.005, 0.01, 0.05), registry=registry
    )
    for queue, values in waits.items():
        for value in values:
            metric.labels(queue).observe(value)
    return generate_latest(registry).decode()


def test_one_series_is_picked_by_its_labels_and_earlier_observations_are_taken_away() -> None:
    before = exposition({"payment.commands": [0.001], "shipping.commands": [0.04]})
    after = exposition(
        {"payment.commands": [0.001, 0.004, 0.008, 0.03], "shipping.commands": [0.04, 0.04]}
    )
    wanted = {"queue": "payment.commands"}
    between = histogram(after, "amqp_queue_wait_seconds", wanted).minus(
        histogram(before, "amqp_queue_wait_seconds", wanted)
    )
    assert between.count == 3
    mean = between.mean()
    assert mean is not None and abs(mean - 0.014) < 1e-9
    assert between.bound(0.3) == 0.005
    assert between.bound(0.5) == 0.01
    assert between.bound(0.99) == 0.05


def test_without_labels_every_series_is_added_up_and_nothing_observed_has_no_mean() -> None:
    text = exposition({"a": [0.001], "b": [0.002, 0.02]})
    assert histogram(text, "amqp_queue_wait_seconds", {}).count == 3
    empty = histogram(text, "no_such_metric", {})
    assert empty.mean() is None and empty.bound(0.5) is None
