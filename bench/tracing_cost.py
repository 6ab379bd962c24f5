"""The `tracing` part: what OpenTelemetry tracing costs the shop, measured off and on in one run.

The store's closed loop (`--clients` customers, `--tracing-orders` orders through web's REST
API, as the `store` part places them) runs on five fresh processes with tracing off, then on
five more with tracing on, exporting every span over OTLP/HTTP to a receiver in the driver
(devtools.otlp_receiver, counting spans only; a real collector runs elsewhere). Off and on
alternate `--tracing-rounds` times, so that a slow minute of the shared machine does not land
on one side only; each round has its own database and vhost. Figures per side: orders/s,
latency, CPU ms per order of each process (less disturbed by other load than throughput), spans
per order; and the on/off ratios."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import uvloop

from bench import env, store
from bench.cpu import CpuMeter
from bench.stats import ratio
from devtools.otlp_receiver import OtlpReceiver
from devtools.processes import Stack

SIDES = ("off", "on")
WARM_UP_ORDERS = 10  # connections, caches and prepared statements, before the meters start


def run_tracing(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    rounds: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for number in range(args.tracing_rounds):
        for side in SIDES:
            directory = logs / f"tracing-{side}-{number}"
            directory.mkdir(parents=True, exist_ok=True)
            rounds[side].append(run_side(args, servers, directory, side == "on"))
    sides = {side: combined(rounds[side]) for side in SIDES}
    off, on = sides["off"], sides["on"]
    return {
        "unit": "order",
        "clients": args.clients,
        "rounds": args.tracing_rounds,
        **sides,
        "ratios": {
            "orders/s on / off": ratio(on["per_second"], off["per_second"]),
            "p50 latency on / off": ratio(on["latency_p50_ms"], off["latency_p50_ms"]),
            "CPU ms per order on / off": ratio(on["cpu_ms_per_order"], off["cpu_ms_per_order"]),
        },
    }


def run_side(args: argparse.Namespace, servers: Any, logs: Path, traced: bool) -> dict[str, Any]:
    with env.fresh(servers) as (database_url, amqp_url), OtlpReceiver(keep=False) as receiver:
        variables = receiver.environment() if traced else {}
        stack = Stack.create(database_url, amqp_url, logs, LOG_LEVEL="WARNING", **variables)
        try:
            stack.start()
            figures = uvloop.run(closed_loop(args, stack))
        finally:
            stack.stop()
        figures["spans_per_order"] = (
            round(receiver.count / figures["placed"], 1) if traced and figures["placed"] else 0
        )
    return figures


async def closed_loop(args: argparse.Namespace, stack: Stack) -> dict[str, Any]:
    web = stack.url("web")
    skus = await store.restock(
        web, stack.url("inventory_service"), args.tracing_orders + 50, stack.auth_headers
    )
    await store.closed_loop(web, skus, WARM_UP_ORDERS, min(args.clients, WARM_UP_ORDERS))
    pids = store.stack_pids(stack)
    with CpuMeter(pids | {"driver": os.getpid()}) as cpu:
        outcomes, seconds = await store.closed_loop(web, skus, args.tracing_orders, args.clients)
    figures = store.outcome_figures(outcomes, seconds)
    spent = {name: seconds for name, seconds in cpu.spent.items() if name != "driver"}
    return {
        "placed": outcomes.placed,
        "errors": figures["errors"],
        "seconds": figures["seconds"],
        "per_second": figures["per_second"],
        "latency_p50_ms": figures["latency"]["p50_ms"],
        "latency_p95_ms": figures["latency"]["p95_ms"],
        "cpu_seconds": spent,
    }


def combined(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds as one: totals, and the median round's latency."""
    placed = sum(r["placed"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    cpu: dict[str, float] = {}
    for r in rounds:
        for name, spent in r["cpu_seconds"].items():
            cpu[name] = cpu.get(name, 0.0) + spent
    by_p50 = sorted(rounds, key=lambda r: r["latency_p50_ms"] or 0.0)
    middle = by_p50[len(by_p50) // 2]
    return {
        "placed": placed,
        "errors": sum(r["errors"] for r in rounds),
        "per_second": round(placed / seconds, 2) if seconds else None,
        "latency_p50_ms": middle["latency_p50_ms"],
        "latency_p95_ms": middle["latency_p95_ms"],
        "cpu_ms_per_order": round(1000 * sum(cpu.values()) / placed, 2) if placed else None,
        "cpu_ms_per_order_by_process": {
            name: round(1000 * spent / placed, 2) if placed else None for name, spent in cpu.items()
        },
        "spans_per_order": max(r["spans_per_order"] for r in rounds),
    }


def summary_lines(figures: dict[str, Any]) -> list[str]:
    lines = [
        f"tracing: the store's closed loop x{figures['clients']}, off and on, "
        f"{figures['rounds']} round(s) each"
    ]
    for side in SIDES:
        f = figures[side]
        by_process = ", ".join(
            f"{name} {ms}" for name, ms in f["cpu_ms_per_order_by_process"].items()
        )
        lines.append(
            f"tracing {side:<3} {f['placed']} orders, {f['errors']} errors, "
            f"{f['per_second']} orders/s, p50 {f['latency_p50_ms']} ms, "
            f"p95 {f['latency_p95_ms']} ms, CPU {f['cpu_ms_per_order']} ms/order "
            f"({by_process}), {f['spans_per_order']} spans/order"
        )
    for name, value in figures["ratios"].items():
        lines.append(f"{'tracing: ' + name:<48} {'-' if value is None else f'{value:.3f}'}")
    return lines
