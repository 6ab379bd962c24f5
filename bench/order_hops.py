"""Where an order's time goes under load, hop by hop, from the processes' own metrics.

    .venv/bin/python -m bench.order_hops --rates 10,30 --orders 600

Per rate: the five processes on a fresh database and vhost (bench.env), a warm-up, then
`--orders` orders arriving at that rate (Poisson, the store benchmark's open loop). Every
process's `/metrics` is read before and after; the table gives, per hop, the mean and the
bucket bounds of the p50 and p99 of what the hop's histogram observed in between.

Unlike `bench.order_waterfall` nothing is traced, so the processes run as they do in
production; the price is that hops are only what the metrics measure (a queue's wait from
publish to delivery, a handler's time, an HTTP request's time), not the one order's path.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvloop
from prometheus_client.parser import text_string_to_metric_families

from bench import env, store
from bench.stats import percentile
from devtools import infra
from devtools.processes import Stack

WARM_UP_ORDERS = 50

# (process, metric, labels that pick the series, what the line says), in the order's path.
HOPS: list[tuple[str, str, dict[str, str], str]] = [
    (
        "web",
        "http_request_duration_seconds",
        {"route": "/orders", "method": "POST"},
        "web: POST /orders (prices, starts)",
    ),
    (
        "inventory_service",
        "http_request_duration_seconds",
        {"route": "/items/{sku}"},
        "inventory: GET /items/{sku} (the price)",
    ),
    (
        "orchestrator",
        "http_request_duration_seconds",
        {"route": "/executions", "method": "POST"},
        "orchestrator: POST /executions",
    ),
    (
        "orchestrator",
        "orchestrator_group_commit_queued_seconds",
        {"kind": "starts"},
        "orchestrator: a start's turn in the group commit",
    ),
    (
        "orchestrator",
        "orchestrator_group_commit_settle_seconds",
        {"kind": "starts"},
        "orchestrator: a batch of starts settled (its statement)",
    ),
    (
        "payment_service",
        "amqp_queue_wait_seconds",
        {"queue": "payment.commands"},
        "broker: a command to payment, publish to delivery",
    ),
    (
        "payment_service",
        "amqp_handle_duration_seconds",
        {"queue": "payment.commands"},
        "payment: its command (transaction, reply)",
    ),
    (
        "inventory_service",
        "amqp_queue_wait_seconds",
        {"queue": "inventory.commands"},
        "broker: a command to inventory",
    ),
    (
        "inventory_service",
        "amqp_handle_duration_seconds",
        {"queue": "inventory.commands"},
        "inventory: its command",
    ),
    (
        "shipping_service",
        "amqp_queue_wait_seconds",
        {"queue": "shipping.commands"},
        "broker: a command to shipping",
    ),
    (
        "shipping_service",
        "amqp_handle_duration_seconds",
        {"queue": "shipping.commands"},
        "shipping: its command",
    ),
    (
        "orchestrator",
        "amqp_queue_wait_seconds",
        {"queue": "orchestrator.results"},
        "broker: a reply to the orchestrator",
    ),
    (
        "orchestrator",
        "amqp_handle_duration_seconds",
        {"queue": "orchestrator.results"},
        "orchestrator: a reply settled (group commit)",
    ),
    (
        "orchestrator",
        "orchestrator_group_commit_queued_seconds",
        {"kind": "replies"},
        "orchestrator: a reply's turn in the group commit",
    ),
    (
        "orchestrator",
        "orchestrator_group_commit_settle_seconds",
        {"kind": "replies"},
        "orchestrator: a batch of replies settled (its transaction)",
    ),
    (
        "orchestrator",
        "orchestrator_transition_latency_seconds",
        {},
        "orchestrator: a reply's arrival to the next command's confirm",
    ),
]
BATCH_SIZE = "orchestrator_group_commit_batch_size"


@dataclass
class Histogram:
    """A histogram's cumulative buckets, sum and count (one series, or several added up)."""

    buckets: dict[float, float] = field(default_factory=lambda: defaultdict(float))
    total: float = 0.0
    count: float = 0.0

    def minus(self, earlier: Histogram) -> Histogram:
        return Histogram(
            defaultdict(
                float, {le: n - earlier.buckets.get(le, 0.0) for le, n in self.buckets.items()}
            ),
            self.total - earlier.total,
            self.count - earlier.count,
        )

    def mean(self) -> float | None:
        return self.total / self.count if self.count else None

    def bound(self, quantile: float) -> float | None:
        """The upper bound of the bucket the quantile falls in."""
        if not self.count:
            return None
        for le in sorted(self.buckets):
            if self.buckets[le] >= quantile * self.count:
                return le
        return None


def histogram(text: str, metric: str, wanted: dict[str, str]) -> Histogram:
    """The series of `metric` whose labels include `wanted`, added up, from exposition text."""
    found = Histogram()
    for family in text_string_to_metric_families(text):
        if family.name != metric:
            continue
        for sample in family.samples:
            labels = sample.labels
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            if sample.name.endswith("_bucket"):
                found.buckets[float(labels["le"])] += sample.value
            elif sample.name.endswith("_sum"):
                found.total += sample.value
            elif sample.name.endswith("_count"):
                found.count += sample.value
    return found


def metrics_of(stack: Stack) -> dict[str, str]:
    return {
        package: httpx.get(f"{stack.url(package)}/metrics", headers=stack.auth_headers).text
        for package in stack.services
    }


@dataclass
class AtRate:
    rate: float
    latencies_ms: list[float]
    hops: dict[str, Histogram]
    batch: Histogram


def run_at(rate: float, orders: int, servers: infra.Servers, logs: Path) -> AtRate:
    with env.fresh(servers) as (database_url, amqp_url):
        stack = Stack.create(database_url, amqp_url, logs, LOG_LEVEL="WARNING")
        stack.start()
        try:
            web = stack.url("web")
            inventory = stack.url("inventory_service")
            skus = uvloop.run(
                store.restock(web, inventory, orders + WARM_UP_ORDERS, stack.auth_headers)
            )
            uvloop.run(store.closed_loop(web, skus, WARM_UP_ORDERS, 4))
            before = metrics_of(stack)
            outcomes, _, _ = uvloop.run(store.open_loop(web, skus, rate, orders))
            after = metrics_of(stack)
        finally:
            stack.stop()
    if outcomes.errors:
        raise SystemExit(f"at {rate}/s, orders that did not complete: {dict(outcomes.errors)}")
    hops = {
        line: histogram(after[package], metric, labels).minus(
            histogram(before[package], metric, labels)
        )
        for package, metric, labels, line in HOPS
    }
    batch = histogram(after["orchestrator"], BATCH_SIZE, {}).minus(
        histogram(before["orchestrator"], BATCH_SIZE, {})
    )
    return AtRate(rate, [s.latency * 1000 for s in outcomes.samples], hops, batch)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def report(runs: list[AtRate]) -> list[str]:
    head = f"{'':<62}" + "".join(f"{f'{run.rate:g}/s: mean p50 p99':>28}" for run in runs)
    lines = [head]
    order = "orders: POST to finished_at"
    cells = "".join(
        f"{percentile(r.latencies_ms, 50) or 0:>16.1f}{percentile(r.latencies_ms, 99) or 0:>12.1f}"
        for r in runs
    )
    lines.append(f"{order:<62}{cells}")
    for _, _, _, line in HOPS:
        cells = ""
        for run in runs:
            hop = run.hops[line]
            spread = f"{_ms(hop.bound(0.5))} {_ms(hop.bound(0.99))}"
            cells += f"{_ms(hop.mean()):>16}{spread:>12}"
        lines.append(f"{line:<62}{cells}")
    sizes = "".join(f"{run.batch.mean() or 0:>16.2f}{'':>12}" for run in runs)
    lines.append(f"{'orchestrator: replies per group-commit batch (mean)':<62}{sizes}")
    lines.append("(ms; p50 and p99 are the upper bounds of their histogram buckets)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="10,30", help="orders per second, comma-separated")
    parser.add_argument("--orders", type=int, default=600, help="orders per rate")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    runs = []
    with env.servers() as servers, tempfile.TemporaryDirectory(prefix="hops-") as logs:
        for rate in rates:
            print(f"at {rate:g} orders/s", file=sys.stderr)
            runs.append(run_at(rate, args.orders, servers, Path(logs)))
    print("\n".join(report(runs)))


if __name__ == "__main__":
    main()
