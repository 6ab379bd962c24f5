"""Where a happy order's time goes, hop by hop: the latency budget behind `POST /orders` to
`COMPLETED`.

    .venv/bin/python -m bench.order_waterfall --orders 30

Starts the five processes twice on a fresh database and vhost (bench.env), places `--orders`
orders one at a time on each (or, with `--rate R`, arriving at R per second, Poisson, as the
store benchmark's open loop does, to see which hops grow under load), and prints:

- the untraced figures first (the first stack, tracing off): POST to `finished_at` as the
  orchestrator recorded it, the true cost of an order on an idle machine;
- then the traced waterfall (the second stack, spans exported to an in-process OTLP receiver):
  per segment of the order's path, its median over the orders (with `--rate`, its p90 and p99
  too), from the spans' start times.
  Tracing itself makes every process slower (by a fifth to a half here), so read the waterfall
  for shares, and the untraced lines for milliseconds.

The segments follow the messages: web and the StartExecution up to the first command's publish;
then per step the broker's hop to the service, the service's work (its transaction and the reply's
publish), the hop back, and the orchestrator's decision (its transaction) up to the next publish,
or to the execution's end after the last step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import uvloop

from bench import env, store
from bench.order_latency import place_and_wait
from bench.stats import percentile
from devtools.otlp_receiver import OtlpReceiver, ReceivedSpan
from devtools.processes import Stack

WARM_UP = 5  # orders placed before the measured ones: first connections, caches, JIT of plans
PAUSE_SECONDS = 0.05  # between orders, so each finds the machine idle
ORCHESTRATOR = "orchestrator"


@dataclass(frozen=True)
class Timed:
    client_ms: float  # POST sent to the answer of the GET that saw COMPLETED
    server_ms: float  # POST sent to finished_at (same machine, same clock)


def place_orders(stack: Stack, count: int, label: str, rate: float = 0) -> list[Timed]:
    """`count` orders after the warm-up (one at a time, or arriving at `rate` per second):
    their times."""
    web_url = stack.url("web")
    restock = store.restock(
        web_url, stack.url("inventory_service"), count + WARM_UP, stack.auth_headers
    )
    skus = uvloop.run(restock)
    timed: list[Timed] = []
    with httpx.Client(base_url=web_url, timeout=30) as web:
        for index in range(WARM_UP + (0 if rate else count)):
            sent = time.time()
            order = place_and_wait(web, skus[index % len(skus)])
            seen = time.time()
            if index >= WARM_UP:
                finished = datetime.fromisoformat(order["finished_at"]).timestamp()
                timed.append(Timed((seen - sent) * 1000, (finished - sent) * 1000))
            print(f"\r{label}: {index + 1}/{WARM_UP + count}", end="", file=sys.stderr)
            time.sleep(PAUSE_SECONDS)
    print(file=sys.stderr)
    if rate:
        outcomes, _, _ = uvloop.run(store.open_loop(web_url, skus, rate, count))
        if outcomes.errors:
            raise SystemExit(f"{label}: orders that did not complete: {dict(outcomes.errors)}")
        timed = [
            Timed(seen * 1000, sample.latency * 1000)
            for sample, seen in zip(outcomes.samples, outcomes.observed, strict=True)
        ]
    return timed


def _is_send(span: ReceivedSpan) -> bool:
    return span.kind == "PRODUCER" and span.name.endswith(" send")


def _is_receive(span: ReceivedSpan) -> bool:
    return span.kind == "CONSUMER" and span.name.endswith(" receive")


def _is_root(span: ReceivedSpan) -> bool:
    """Web's POST /orders, where an order's trace begins."""
    return span.service == "web" and span.kind == "SERVER"


def _is_end(span: ReceivedSpan) -> bool:
    """The execution's end (ExecutionSucceeded, ExecutionFailed, ...)."""
    return span.service == ORCHESTRATOR and span.name.startswith("Execution")


def segments(spans: Sequence[ReceivedSpan]) -> Iterator[tuple[str, float]]:
    """(segment, nanoseconds) along one order's trace, in the order the order went."""
    ordered = sorted(spans, key=lambda s: s.start_ns)
    root = next(s for s in ordered if _is_root(s))
    end = next(s for s in ordered if _is_end(s))
    sends = [s for s in ordered if _is_send(s)]
    receives = [s for s in ordered if _is_receive(s)]
    commands = [s for s in sends if s.service == ORCHESTRATOR]
    mark = root.start_ns
    yield "web + StartExecution, to the first command's publish", (commands[0].start_ns - mark)
    for command in commands:
        taken = next(
            r for r in receives if r.start_ns >= command.start_ns and r.service != ORCHESTRATOR
        )
        service = taken.service
        reply = next(s for s in sends if s.service == service and s.start_ns >= taken.start_ns)
        back = next(
            r for r in receives if r.service == ORCHESTRATOR and r.start_ns >= reply.start_ns
        )
        after = next((c for c in commands if c.start_ns > back.start_ns), end)
        yield f"broker: command to {service}", taken.start_ns - command.start_ns
        yield f"{service}: its transaction and the reply's publish", reply.start_ns - taken.start_ns
        yield f"broker: {service}'s reply to the orchestrator", back.start_ns - reply.start_ns
        what = "the next command's publish" if after is not end else "the execution's end"
        yield f"orchestrator: {service}'s reply decided, to {what}", after.start_ns - back.start_ns


def segment_samples(traces: Sequence[Sequence[ReceivedSpan]]) -> list[tuple[str, list[float]]]:
    """Each segment's milliseconds in every trace, segments in path order."""
    samples: dict[str, list[float]] = defaultdict(list)
    for spans in traces:
        for name, nanoseconds in segments(spans):
            samples[name].append(nanoseconds / 1e6)
    return list(samples.items())


def waterfall(traces: Sequence[Sequence[ReceivedSpan]]) -> list[tuple[str, float]]:
    """Each segment's median over the traces, in path order (in milliseconds)."""
    return [(name, statistics.median(values)) for name, values in segment_samples(traces)]


def traces_of(receiver: OtlpReceiver, count: int) -> list[list[ReceivedSpan]]:
    """The last `count` order traces (one with web's POST at its root), once all are in."""

    def orders(spans: list[ReceivedSpan]) -> list[list[ReceivedSpan]]:
        by_trace: dict[str, list[ReceivedSpan]] = defaultdict(list)
        for span in spans:
            by_trace[span.trace_id].append(span)
        found = [t for t in by_trace.values() if any(map(_is_root, t)) and any(map(_is_end, t))]
        return sorted(found, key=lambda t: min(s.start_ns for s in t))

    receiver.wait_for(lambda spans: len(orders(spans)) >= count + WARM_UP, timeout=30)
    time.sleep(1.0)  # each process exports on its own schedule: let the last batches land
    return orders(receiver.spans())[-count:]


def describe(name: str, values: list[float]) -> str:
    median, p90, p99 = percentile(values, 50), percentile(values, 90), percentile(values, 99)
    return f"{name:<44} median {median:6.1f} ms   p90 {p90:6.1f} ms   p99 {p99:6.1f} ms"


def run_stack(database_url: str, amqp_url: str, logs: Path, **extra: str) -> Stack:
    stack = Stack.create(database_url, amqp_url, logs, LOG_LEVEL="WARNING", **extra)
    stack.start()
    return stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=30)
    parser.add_argument(
        "--rate",
        type=float,
        default=0,
        help="orders per second, arriving at random (Poisson); 0, the default: one at a time",
    )
    args = parser.parse_args()
    with (
        env.servers() as servers,
        tempfile.TemporaryDirectory(prefix="waterfall-") as logs,
        OtlpReceiver() as receiver,
    ):
        with env.fresh(servers) as (database_url, amqp_url):
            stack = run_stack(database_url, amqp_url, Path(logs))
            try:
                untraced = place_orders(stack, args.orders, "untraced", args.rate)
            finally:
                stack.stop()
        with env.fresh(servers) as (database_url, amqp_url):
            traced_env = receiver.environment(schedule_delay_ms=100)
            stack = run_stack(database_url, amqp_url, Path(logs), **traced_env)
            try:
                traced = place_orders(stack, args.orders, "traced", args.rate)
                traces = traces_of(receiver, args.orders)
            finally:
                stack.stop()

    print(describe("untraced: POST -> finished_at (server)", [t.server_ms for t in untraced]))
    print(describe("untraced: POST -> COMPLETED seen (client)", [t.client_ms for t in untraced]))
    print(describe("traced:   POST -> finished_at (server)", [t.server_ms for t in traced]))
    rows = segment_samples(traces)
    medians = [(name, statistics.median(values)) for name, values in rows]
    total = sum(ms for _, ms in medians)
    pace = f"at {args.rate:g} orders/s" if args.rate else "one at a time"
    print(f"\nthe traced path, median per segment over {len(traces)} orders ({pace}):")
    at = 0.0
    for (name, ms), (_, values) in zip(medians, rows, strict=True):
        spread = f"  p90 {percentile(values, 90):5.1f}  p99 {percentile(values, 99):5.1f}"
        tail = spread if args.rate else ""
        print(f"  {at:6.1f} +{ms:5.1f} ms  {100 * ms / total:4.1f}%{tail}  {name}")
        at += ms
    shares: dict[str, float] = defaultdict(float)
    for name, ms in medians:
        shares[name.split(":")[0] if ":" in name else "web + start"] += ms
    print("\nby who (share of the traced path):")
    for who, ms in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"  {who:<20} {ms:6.1f} ms  {100 * ms / total:4.1f}%")


if __name__ == "__main__":
    main()
