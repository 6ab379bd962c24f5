"""`make bench`: the engine, the store and two baselines in one run, one after the other.

    .venv/bin/python -m bench [--parts ceiling,celery,engine,store,map,tracing] [--concurrency 64]
        [--executions 1000] [--chains 2000] [--orchestrators 1]
        [--orders 500] [--clients 32] [--open-seconds 30]
        [--map-sizes 1000,10000] [--map-concurrency 0,40] [--tracing-orders 300] [--rounds 1]

Each phase gets a fresh database and RabbitMQ vhost on the machine's servers (dropped at the
end). Writes bench/results/<timestamp>.json and .png (and latest.json / latest.png) and prints
a summary with our figures as ratios to the baselines measured in the same run. With `--rounds
N` the parts run N times, interleaved, and the summary adds each round's ratios and their
medians. See bench/README.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

from bench import env
from bench.cpu import CpuMeter, MachineBusy
from bench.stats import medians, phase_figures, ratio
from devtools.processes import ServiceProcess

PARTS = ("ceiling", "celery", "engine", "store", "map", "tracing")
DEFAULT_PARTS = ("ceiling", "celery", "engine", "store")
REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
STEPS = 3


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument(
        "--parts",
        default=",".join(DEFAULT_PARTS),
        help=f"comma-separated, run in the order given, from {','.join(PARTS)} "
        f"(default: {','.join(DEFAULT_PARTS)})",
    )
    parser.add_argument(
        "--concurrency", type=int, default=64, help="in flight: engine and baselines (64)"
    )
    parser.add_argument("--executions", type=int, default=1000, help="engine executions (1000)")
    parser.add_argument("--chains", type=int, default=2000, help="chains per baseline (2000)")
    parser.add_argument(
        "--orchestrators", type=int, default=1, help="orchestrator processes, engine phase (1)"
    )
    parser.add_argument(
        "--engine-long-poll",
        action="store_true",
        help="the engine driver learns that each execution ended by long-polling its history "
        "(GET .../history?waitSeconds=20), as a client would, instead of polling the "
        "executions table every 50 ms; one orchestrator only",
    )
    parser.add_argument(
        "--celery-pool",
        choices=("threads", "solo", "prefork"),
        default="threads",
        help="the Celery workers' pool (threads: one process each, tasks in threads)",
    )
    parser.add_argument(
        "--celery-concurrency", type=int, default=8, help="tasks at once per Celery worker (8)"
    )
    parser.add_argument("--orders", type=int, default=500, help="store, closed loop (500)")
    parser.add_argument("--clients", type=int, default=32, help="store, closed loop (32)")
    parser.add_argument(
        "--store-polls",
        action="store_true",
        help="store clients poll GET /orders/{id} with a backoff instead of one long-poll "
        "(GET /orders/{id}?wait=...), as a client that does not use `wait` would",
    )
    parser.add_argument(
        "--open-seconds",
        type=float,
        default=30,
        help="store, open loop: about this long at half the closed loop's rate (30; 0: skip)",
    )
    parser.add_argument(
        "--open-orders", type=int, default=None, help="store, open loop: exactly this many"
    )
    parser.add_argument(
        "--map-sizes",
        default="1000,10000",
        help="map: items per Map, comma-separated (1000,10000)",
    )
    parser.add_argument(
        "--map-concurrency",
        default="0,40",
        help="map: the Map's MaxConcurrency, comma-separated; 0 is unbounded (0,40)",
    )
    parser.add_argument(
        "--tracing-orders",
        type=int,
        default=300,
        help="tracing: orders per side and round, closed loop of --clients (300)",
    )
    parser.add_argument(
        "--tracing-rounds", type=int, default=2, help="tracing: rounds of off then on (2)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the parts this many times, interleaved (ceiling, engine, ceiling, engine, "
        "...): ratios per round and their medians (1)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    try:
        args.map_sizes = [int(n) for n in str(args.map_sizes).split(",") if n.strip()]
        args.map_concurrency = [int(n) for n in str(args.map_concurrency).split(",") if n.strip()]
    except ValueError:
        parser.error("--map-sizes and --map-concurrency take comma-separated integers")
    if args.engine_long_poll and args.orchestrators > 1:
        # A long-poll on one orchestrator learns of an end another one commits only at its
        # 0.5 s recheck: that would measure the recheck, not the engine.
        parser.error("--engine-long-poll takes one orchestrator")
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    if not args.map_sizes or min(args.map_sizes) < 1 or min(args.map_concurrency, default=0) < 0:
        parser.error("--map-sizes must be positive, --map-concurrency 0 or more")
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    return args


def machine() -> dict[str, Any]:
    def git(*words: str) -> str:
        run = subprocess.run(
            ["git", "-C", str(REPO), *words], capture_output=True, text=True, check=False
        )
        return run.stdout.strip()

    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": git("rev-parse", "HEAD") or "unknown",
        "git_branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def pid(process: ServiceProcess) -> int:
    assert process.process is not None, f"{process.package} was not started"
    return process.process.pid


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_ceiling(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    from bench.ceiling import run_ceiling
    from bench.echo import echo_process

    with env.fresh(servers) as (database_url, amqp_url):
        echo = echo_process(amqp_url, logs)
        echo.start()
        try:
            with CpuMeter({"ceiling script": os.getpid(), "echo": pid(echo)}, servers=True) as cpu:
                samples, seconds = uvloop.run(
                    run_ceiling(database_url, amqp_url, echo, args.chains, args.concurrency)
                )
        finally:
            echo.stop()
    return {
        "unit": "chain",
        "steps": STEPS,
        "concurrency": args.concurrency,
        **phase_figures(samples, seconds, STEPS),
        "cpu": cpu.figures(len(samples)),
    }


def run_celery(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    from bench import peer

    with env.fresh(servers) as (_, amqp_url):
        workers = peer.start_workers(amqp_url, logs, args.celery_pool, args.celery_concurrency)
        try:
            pids = {"driver": os.getpid()} | {w.log_path.stem: pid(w) for w in workers}
            with CpuMeter(pids, servers=True) as cpu:
                samples, seconds = uvloop.run(
                    peer.run_peer(amqp_url, workers, args.chains, args.concurrency)
                )
        finally:
            peer.stop_workers(workers)
    import celery

    return {
        "unit": "chain",
        "steps": STEPS,
        "concurrency": args.concurrency,
        "celery": celery.__version__,
        "workers": f"3 workers, one per step queue, pool {args.celery_pool} with concurrency "
        f"{args.celery_concurrency}; quorum queues; acks_late, reject_on_worker_lost, "
        "confirm_publish",
        **phase_figures(samples, seconds, STEPS),
        "cpu": cpu.figures(len(samples)),
    }


def run_engine(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    from bench import engine
    from bench.echo import echo_process

    long_poll = args.engine_long_poll
    with env.fresh(servers) as (database_url, amqp_url):
        log(f"engine: starting {args.orchestrators} orchestrator(s)")
        echo = echo_process(amqp_url, logs)
        processes = []
        try:
            processes = engine.start_orchestrators(args.orchestrators, database_url, amqp_url, logs)
            echo.start()
            pids = {"driver": os.getpid(), "echo": pid(echo)} | {
                f"orchestrator-{n}": pid(p) for n, p in enumerate(processes)
            }
            with CpuMeter(pids, servers=True) as cpu:
                samples, seconds, transitions = uvloop.run(
                    engine.run_engine(
                        [p.url for p in processes],
                        database_url,
                        amqp_url,
                        echo,
                        args.executions,
                        args.concurrency,
                        long_poll,
                    )
                )
        finally:
            echo.stop()
            for process in processes:
                process.stop()
    figures = phase_figures(samples, seconds, STEPS)
    figures["transitions"] = transitions
    figures["transitions_per_second"] = transitions / seconds if seconds > 0 else None
    figures["cpu"] = cpu.figures(len(samples))
    orchestrator_cpu = sum(v for k, v in cpu.spent.items() if k.startswith("orchestrator"))
    figures["orchestrator_cpu_ms_per_transition"] = (
        round(1000 * orchestrator_cpu / transitions, 3) if transitions else None
    )
    return {
        "unit": "execution",
        "steps": STEPS,
        "concurrency": args.concurrency,
        "orchestrators": args.orchestrators,
        "ends_learnt_by": "long-poll of the history" if long_poll else "polling every 50 ms",
        **figures,
    }


def run_map(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    from bench import engine, map_items
    from bench.echo import echo_process

    runs = []
    for concurrency in args.map_concurrency:
        for size in args.map_sizes:
            with env.fresh(servers) as (database_url, amqp_url):
                log(f"map: {size} items, MaxConcurrency {concurrency}")
                echo = echo_process(amqp_url, logs)
                processes = []
                try:
                    processes = engine.start_orchestrators(
                        1,
                        database_url,
                        amqp_url,
                        logs,
                        {map_items.MACHINE: map_items.workflow(concurrency)},
                        label=f"map-{size}-{concurrency}-orchestrator",
                    )
                    echo.start()
                    pids = {
                        "driver": os.getpid(),
                        "echo": pid(echo),
                        "orchestrator": pid(processes[0]),
                    }
                    with CpuMeter(pids) as cpu:
                        figures = uvloop.run(
                            map_items.run_one(
                                processes[0].url, database_url, amqp_url, echo, size, concurrency
                            )
                        )
                finally:
                    echo.stop()
                    for process in processes:
                        process.stop()
            figures["cpu"] = cpu.figures(size)
            figures["orchestrator_cpu_ms_per_item"] = figures["cpu"]["orchestrator"]["ms_per_unit"]
            runs.append(figures)
    return {"unit": "item", "runs": runs, "ratios": map_items.flat_ratios(runs)}


def run_store(args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    from devtools.processes import Stack

    with env.fresh(servers) as (database_url, amqp_url):
        stack = Stack.create(database_url, amqp_url, logs)
        for service in stack.services.values():
            service.env["LOG_LEVEL"] = "WARNING"
        log("store: starting the five processes")
        try:
            stack.start()
            return uvloop.run(store_phase(args, stack, database_url))
        finally:
            stack.stop()


async def store_phase(args: argparse.Namespace, stack: Any, database_url: str) -> dict[str, Any]:
    from bench import store

    web = stack.url("web")
    inventory = stack.url("inventory_service")
    skus = await store.restock(web, inventory, args.orders, stack.auth_headers)
    before = await store.database_size(database_url)
    pids = store.stack_pids(stack)
    measured = pids | {"driver": os.getpid()}
    with store.MemorySampler(pids) as memory:
        long_poll = not args.store_polls
        # Each loop's CPU on its own: an order costs more at half the peak's rate than at the
        # peak (fewer replies share a transaction, fewer messages a wakeup), so the open loop's
        # latency is measured on a machine busier than half the peak's load.
        with CpuMeter(measured, servers=True) as cpu, MachineBusy() as busy:
            closed, closed_seconds = await store.closed_loop(
                web, skus, args.orders, args.clients, long_poll
            )
        closed_figures = store.outcome_figures(closed, closed_seconds)
        result: dict[str, Any] = {
            "unit": "order",
            "clients": args.clients,
            "skus": len(skus),
            "poll": store.poll_description(long_poll),
            "closed": closed_figures | {"machine": busy.figures()},
            "open": None,
            "cpu": cpu.figures(closed.placed),
        }
        rate = (closed_figures["per_second"] or 0) / 2
        if rate > 0 and (args.open_orders or args.open_seconds > 0):
            count = args.open_orders or max(1, round(rate * args.open_seconds))
            await store.restock(web, inventory, count, stack.auth_headers)
            with CpuMeter(measured, servers=True) as open_cpu, MachineBusy() as open_busy:
                opened, open_seconds, peak = await store.open_loop(
                    web, skus, rate, count, long_poll=long_poll
                )
            result["open_rate"] = rate
            result["open"] = {
                **store.outcome_figures(opened, open_seconds),
                "target_rate": rate,
                "peak_in_flight": peak,
                "cpu": open_cpu.figures(opened.placed),
                "machine": open_busy.figures(),
            }
    after = await store.database_size(database_url)
    placed = closed.placed + (opened.placed if result["open"] else 0)
    result["memory"] = memory.figures()
    result["database_growth"] = store.growth(before, after, placed)
    return result


def ratios(phases: dict[str, Any]) -> dict[str, float | None]:
    def figure(phase: str, *path: str) -> float | None:
        value: Any = phases.get(phase)
        for key in path:
            value = None if value is None else value.get(key)
        return value

    return {
        "engine transitions/s / ceiling transitions/s": ratio(
            figure("engine", "transitions_per_second"),
            figure("ceiling", "transitions_per_second"),
        ),
        "engine executions/s / celery chains/s": ratio(
            figure("engine", "per_second"), figure("celery", "per_second")
        ),
        "store orders/s / ceiling orders/s": ratio(
            figure("store", "closed", "per_second"), figure("ceiling", "per_second")
        ),
    }


def cpu_line(part: str, phase: dict[str, Any]) -> str:
    """`part: CPU ms per <unit>: <process> <ms>, ...`, and their sum when there are several
    (the whole cost of a unit, with the servers when they were measured)."""
    per_unit = {name: v["ms_per_unit"] for name, v in phase["cpu"].items()}
    spent = ", ".join(f"{name} {ms}" for name, ms in per_unit.items())
    known = [ms for ms in per_unit.values() if ms is not None]
    total = f" (in all {sum(known):.2f})" if len(known) > 1 else ""
    return f"{part}: CPU ms per {phase['unit']}: {spent}{total}"


def store_load_lines(store: dict[str, Any]) -> list[str]:
    """The open loop's CPU per order beside the closed loop's, and how busy the machine was in
    each: the load the half-peak latency was measured under."""
    closed, opened = store["closed"], store.get("open")
    lines = []
    if opened and "cpu" in opened:
        lines.append(cpu_line("store open", {"unit": "order", "cpu": opened["cpu"]}))
    for name, loop in (("closed", closed), ("open", opened)):
        machine = (loop or {}).get("machine")
        if machine:
            lines.append(
                f"store {name}: machine busy {machine['cores_busy']:.2f} of its "
                f"{machine['cores']} cores ({100 * machine['share_busy']:.0f}%)"
            )
    return lines


def summary(result: dict[str, Any]) -> str:
    def number(value: float | None, digits: int = 1) -> str:
        return "-" if value is None else f"{value:,.{digits}f}"

    rows = [("phase", "done", "err", "per s", "trans/s", "p50 ms", "p95 ms", "p99 ms")]

    def add(name: str, figures: dict[str, Any] | None) -> None:
        if not figures:
            return
        latency = figures["latency"]
        rows.append(
            (
                name,
                str(figures["ok"]),
                str(figures["errors"]),
                number(figures["per_second"]),
                number(figures.get("transitions_per_second")),
                number(latency["p50_ms"]),
                number(latency["p95_ms"]),
                number(latency["p99_ms"]),
            )
        )

    phases = result["phases"]
    add("(a) ceiling, chains", phases.get("ceiling"))
    add("(b) celery, chains", phases.get("celery"))
    if "engine" in phases:
        add(f"engine x{phases['engine']['orchestrators']}, executions", phases["engine"])
    if "store" in phases:
        store = phases["store"]
        add(f"store closed x{store['clients']}, orders", store["closed"])
        add("store open, orders", store.get("open"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    if len(rows) == 1:  # only the map part: no timed phase, no ratio to the baselines
        lines = []
    else:
        lines.append("")
        for name, value in result["ratios"].items():
            lines.append(f"{name:<48} {number(value, 3)}")
    cpu_lines = []
    for part in ("ceiling", "celery", "engine", "store"):
        if part in phases:
            cpu_lines.append(cpu_line(part, phases[part]))
        if part == "store" and "store" in phases:
            cpu_lines.extend(store_load_lines(phases["store"]))
        if part == "engine" and "engine" in phases:
            per = phases["engine"]["orchestrator_cpu_ms_per_transition"]
            cpu_lines.append(f"engine: orchestrator CPU ms per transition: {per}")
    if cpu_lines:
        lines.append("")
        lines.extend(cpu_lines)
    if "map" in phases:
        lines.extend(["", *map_lines(phases["map"])] if lines else map_lines(phases["map"]))
    if "tracing" in phases:
        from bench.tracing_cost import summary_lines

        tracing = summary_lines(phases["tracing"])
        lines.extend(["", *tracing] if lines else tracing)
    if "rounds" in result:
        lines.extend(["", *round_lines(result["rounds"], result["round_medians"])])
    if "store" in phases:
        lines.append("")
        store = phases["store"]
        growth = store["database_growth"]
        per_order = number(growth["database_bytes_per_order"], 0)
        lines.append(f"{'store: database bytes per order':<48} {per_order}")
        for name, process in store["memory"].items():
            lines.append(
                f"{'store: RSS MB start/end/peak ' + name:<48} "
                f"{process['start_mb']}/{process['end_mb']}/{process['peak_mb']}"
            )
    return "\n".join(lines)


def round_lines(rounds: list[dict[str, Any]], medians: dict[str, float | None]) -> list[str]:
    """One line per figure: its value in each round (the first is the table above), then the
    median over the rounds."""
    lines = [f"by round ({len(rounds)}), then the median:"]
    for name, median in medians.items():
        if median is None:  # a part this run left out
            continue
        digits = 3 if " / " in name or "CPU" in name else 1  # ratios, CPU; rates, latency
        cells = ", ".join(
            "-" if (value := row.get(name)) is None else f"{value:.{digits}f}" for row in rounds
        )
        lines.append(f"{name:<48} {cells}  median {median:.{digits}f}")
    return lines


def map_lines(figures: dict[str, Any]) -> list[str]:
    """The map part's lines of the summary: one per run, then the flatness ratios."""
    lines = [
        "map: items x MaxConcurrency: status, start s, total s, ms/item, orchestrator CPU "
        "ms/item, bytes/item parts+history, WAL bytes/item (server-wide), largest part bytes "
        "during/after"
    ]
    for run in figures["runs"]:
        per_item = run["table_bytes_per_item"]
        largest, during = run["largest_part"], run["largest_part_during"]
        lines.append(
            f"map {run['items']:>7,} x{run['max_concurrency'] or 'all':<4} {run['status']:<9} "
            f"start {run['start_seconds']:6.2f} s  total {run['seconds']:8.2f} s  "
            f"{run['ms_per_item']:7.3f} ms/item  CPU {run['orchestrator_cpu_ms_per_item']} ms/item"
            f"  {per_item['execution_parts']:.0f}+{per_item['history_events']:.0f} B/item  "
            f"WAL {run['wal_bytes_per_item']:.0f} B/item  "
            f"largest part {during['bytes'] if during else '-'}/"
            f"{largest['bytes'] if largest else '-'} B"
        )
    for name, value in figures["ratios"].items():
        lines.append(f"{name:<48} {'-' if value is None else f'{value:.3f}'}")
    return lines


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    result: dict[str, Any] = {
        "timestamp": stamp,
        "machine": machine(),
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "phases": {},
    }
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    rounds: list[dict[str, Any]] = []
    try:
        with env.servers() as servers:
            for number in range(1, args.rounds + 1):
                phases: dict[str, Any] = {}
                for part in args.parts:
                    log(f"== {part}" if args.rounds == 1 else f"== round {number}: {part}")
                    phases[part] = run_part(part, args, servers, logs)
                rounds.append({"phases": phases, "ratios": ratios(phases)})
    finally:
        if args.keep_logs:
            log(f"process logs kept in {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - began, 1)
    # The first round is the run's phases, as when there is one; the others follow in "rounds".
    result["phases"] = rounds[0]["phases"]
    result["ratios"] = rounds[0]["ratios"]
    if len(rounds) > 1:
        # Per round, its ratios and the absolute figures that show how far the machine drifted.
        result["rounds"] = [{**r["ratios"], **round_figures(r["phases"])} for r in rounds]
        result["round_medians"] = medians(result["rounds"])
        result["later_rounds_phases"] = [r["phases"] for r in rounds[1:]]
    write(result, args.out)


def run_part(part: str, args: argparse.Namespace, servers: Any, logs: Path) -> dict[str, Any]:
    if part == "ceiling":
        return run_ceiling(args, servers, logs)
    if part == "celery":
        return run_celery(args, servers, logs)
    if part == "engine":
        return run_engine(args, servers, logs)
    if part == "store":
        return run_store(args, servers, logs)
    if part == "map":
        return run_map(args, servers, logs)
    from bench.tracing_cost import run_tracing

    return run_tracing(args, servers, logs)


def round_figures(phases: dict[str, Any]) -> dict[str, float | None]:
    """A round's absolute figures, to go beside its ratios."""
    figures: dict[str, float | None] = {}
    for part, name in (("ceiling", "ceiling chains/s"), ("celery", "celery chains/s")):
        if part in phases:
            figures[name] = phases[part]["per_second"]
    if "engine" in phases:
        figures["engine executions/s"] = phases["engine"]["per_second"]
        figures["orchestrator CPU ms per transition"] = phases["engine"][
            "orchestrator_cpu_ms_per_transition"
        ]
    if "store" in phases:
        figures["store orders/s"] = phases["store"]["closed"]["per_second"]
        half_peak = phases["store"].get("open")
        if half_peak:
            figures["store half-peak p50 ms"] = half_peak["latency"]["p50_ms"]
            figures["store half-peak p99 ms"] = half_peak["latency"]["p99_ms"]
            if "machine" in half_peak:
                figures["store half-peak cores busy"] = half_peak["machine"]["cores_busy"]
    return figures


def write(result: dict[str, Any], out: Path) -> None:
    from bench.plot import plot

    out.mkdir(parents=True, exist_ok=True)
    stamp = result["timestamp"]
    json_path, png_path = out / f"{stamp}.json", out / f"{stamp}.png"
    json_path.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, png_path)
    shutil.copyfile(json_path, out / "latest.json")
    shutil.copyfile(png_path, out / "latest.png")
    print(summary(result))
    print(f"\nresults: {json_path}\nplot:    {png_path}")


if __name__ == "__main__":
    main()
