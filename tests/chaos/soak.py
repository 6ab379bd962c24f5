"""`python -m tests.chaos.soak [--minutes 30]` (`make soak`): the soak.

On a private Postgres and RabbitMQ node it starts (and breaks), the five services as processes:
first a short closed-loop burst measures the peak rate (orders ended per second with a fixed
number of orders in flight), unless `--rate` is given; then orders of every outcome are placed
open-loop at half that rate for the whole duration, with one fault a minute (a seeded cycle
through the chaos run's kinds). Every `--sample` seconds it samples the RSS of each service,
RabbitMQ's ready and unacknowledged messages over the run's queues, its connections and
channels, the run database's Postgres sessions and the running executions. At the end: the chaos
run's checks (every order COMPLETED or FAILED for its own reason, money, holds, shipments and
stock balanced, nothing done twice, no queue holding anything), and whether every series stayed
flat (tests/chaos/flatness.py). Prints a table, writes soak.json into the log directory it
names, and exits 1 on any violation or growth.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import random
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
import httpx
import psutil

from tests.chaos.flatness import MB, RSS, Point, Tolerance, Verdict, judge
from tests.chaos.plan import TOO_MANY, PlannedOrder, plan_orders
from tests.chaos.records import get_json
from tests.chaos.run import ChaosRun, Settings, running_system

PROCESSES = ("orchestrator", "web", "payment_service", "inventory_service", "shipping_service")
MACHINE = "order-fulfillment"
# Stock each product is topped up to (kept under TOO_MANY // 2, as the chaos run's restocks
# are, so that an out_of_stock order can never be served).
STOCK_TARGET = 400

# What each sampled series may do between the second and the last quarter (flatness.py).
COUNT_TOLERANCES = {
    # Messages in flight: half as many again, or 20; and back down once the orders have ended.
    "rabbitmq ready": Tolerance(0.5, 20, settled=True),
    "rabbitmq unacked": Tolerance(0.5, 20, settled=True),
    # Connections against the highest level of the first half (flatness.Tolerance.baseline):
    # one more (a reconnect caught mid-way), never a trend.
    "rabbitmq connections": Tolerance(0.0, 1, settled=True, baseline="highest"),
    "rabbitmq channels": Tolerance(0.1, 2, settled=True, baseline="highest"),
    # Pools grow and shrink with the load: a quarter more, or 4 sessions.
    "postgres connections": Tolerance(0.25, 4, settled=True, baseline="highest"),
    "executions running": Tolerance(0.5, 20, settled=True),
}

DRAIN_SECONDS = 20.0


class DatabaseFigures(NamedTuple):
    sessions: int  # on the run's database, but the one asking
    running: int  # executions of the order flow
    ended: int


@dataclass(frozen=True)
class SoakSettings:
    minutes: float = 30.0
    rate: float | None = None  # orders/s; None: half the measured peak
    peak_seconds: float = 25.0
    peak_in_flight: int = 24  # orders kept in flight while the peak is measured
    fault_every: float = 60.0
    sample_every: float = 10.0
    seed: int = 0
    down_seconds: float = 3.0
    settle_seconds: float = 300.0
    # Seconds a process lives before its RSS counts (flatness.py): a fresh orchestrator under
    # load still grows by ~10 MB (caches) over its first minute or two; 30 s was too short.
    min_age: float = 120.0


def fault_cycle(run: ChaosRun) -> list[tuple[str, Callable[[], None]]]:
    """The chaos run's kinds of fault (but a second orchestrator: the soak keeps one process
    per service, so that each one's memory is a series of its own)."""
    d = run.disruptor
    return [
        ("kill orchestrator", d.kill_orchestrator),
        ("kill a service", d.kill_service),
        ("restart RabbitMQ", d.restart_rabbitmq),
        ("restart Postgres", d.restart_postgres),
        ("drop connections", d.drop_connections),
        ("restart a process while Postgres is down", d.restart_service_while_postgres_is_down),
        ("restart a process while RabbitMQ is down", d.restart_service_while_rabbitmq_is_down),
        ("stop a server while a process starts", d.stop_a_server_while_a_service_starts),
    ]


class Soak(ChaosRun):
    def __init__(self, soak: SoakSettings, *args: Any) -> None:
        super().__init__(*args)
        self.soak = soak
        self.duration = soak.minutes * 60
        self.rate = soak.rate or 0.0
        self.peak: float | None = None
        self.series: dict[str, list[Point]] = {}
        self.faults: list[dict[str, Any]] = []
        self.faulting = False
        self.load_started = 0.0
        self.skus: list[str] = []

    # ---- the whole soak ----------------------------------------------------------------------

    async def soak_run(self) -> dict[str, Any]:
        s = self.soak
        self.say(f"soak: {s.minutes:g} min, a fault every {s.fault_every:g}s, seed {s.seed}")
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        async with httpx.AsyncClient(
            timeout=10, headers=self.stack.auth_headers, limits=limits
        ) as http:
            items = await get_json(http, f"{self.urls.inventory}/items")
            initial = {item["sku"]: item["available"] for item in items}
            self.skus = sorted(initial)
            await self._send_poison()
            await self._top_up(http)
            if not self.rate:
                self.peak = await self._measure_peak(http)
                self.rate = self.peak / 2
                self.say(f"peak {self.peak:.1f} orders/s: the soak places {self.rate:.1f}/s")
            await self._wait_running(0, 60, "before the load")
            self.load_started = time.monotonic()
            background = [
                asyncio.create_task(self._sample_forever()),
                asyncio.create_task(self._top_up_forever(http)),
            ]
            faults = asyncio.create_task(self._fault_every_minute())
            await self._load(http)
            await faults
            self.report.violations.extend(self.disruptor.violations)
            self.say("load over; waiting for every order to end")
            ended_in = await self._wait_running(0, s.settle_seconds, "after the load")
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await asyncio.sleep(s.sample_every)  # pools and channels idle a moment
            await self._sample()  # the settled sample
            self.settings = dataclasses.replace(self.settings, orders=len(self.placed))
            await self._check(http, initial)
        verdicts = self._verdicts()
        for line in table(verdicts):
            self.say(line)
        return {
            "settings": dataclasses.asdict(s),
            "peak_orders_per_second": self.peak,
            "rate": self.rate,
            "orders_placed": len(self.placed),
            "orders_ended_after_load_seconds": ended_in,
            "faults": self.faults,
            "violations": self.report.violations,
            "chaos_checks": self.report.lines,
            "verdicts": [dataclasses.asdict(v) for v in verdicts],
            "growth": [v.name for v in verdicts if not v.ok],
            "series": {
                name: [dataclasses.asdict(p) for p in points]
                for name, points in self.series.items()
            },
        }

    # ---- load --------------------------------------------------------------------------------

    def _next_order(self) -> PlannedOrder:
        return plan_orders(1, self.skus, self.rng)[0]

    async def _place_one(self, http: httpx.AsyncClient, planned: PlannedOrder) -> None:
        order_id = await self._place(http, planned)
        if order_id is not None:
            self.placed[order_id] = planned

    async def _measure_peak(self, http: httpx.AsyncClient) -> float:
        """Closed loop: `peak_in_flight` orders in flight, a new one as soon as one ends; the
        rate at which they end, after a few seconds' ramp."""
        in_flight = self.soak.peak_in_flight
        self.say(f"measuring the peak: {in_flight} orders in flight, {self.soak.peak_seconds:g}s")
        tasks: set[asyncio.Task[None]] = set()
        started = time.monotonic()
        ramp = min(5.0, self.soak.peak_seconds / 4)
        first: tuple[float, int] | None = None
        ended = base = (await self._database_figures()).ended
        while time.monotonic() - started < self.soak.peak_seconds:
            ended = (await self._database_figures()).ended
            if first is None and time.monotonic() - started >= ramp:
                first = (time.monotonic(), ended)
            for _ in range(in_flight - (len(self.placed) + len(tasks) - (ended - base))):
                task = asyncio.create_task(self._place_one(http, self._next_order()))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(0.2)
        await asyncio.gather(*tasks)
        assert first is not None
        return (ended - first[1]) / (time.monotonic() - first[0])

    async def _load(self, http: httpx.AsyncClient) -> None:
        """Open loop: order i is placed at i / rate seconds, however the system is doing."""
        tasks: set[asyncio.Task[None]] = set()
        number = 0
        while True:
            due = self.load_started + number / self.rate
            if due - self.load_started >= self.duration:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            task = asyncio.create_task(self._place_one(http, self._next_order()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            number += 1
        await asyncio.gather(*tasks)

    async def _top_up(self, http: httpx.AsyncClient) -> None:
        """Every product back to STOCK_TARGET units, so that orders keep completing. Not while
        a fault is on: a restock whose answer is lost would leave the stock check unsure."""
        for item in await get_json(http, f"{self.urls.inventory}/items"):
            quantity = STOCK_TARGET - item["available"]
            if quantity <= 0 or self.faulting:
                continue
            assert item["available"] + quantity < TOO_MANY // 2
            url = f"{self.urls.inventory}/items/{item['sku']}/restock"
            try:
                response = await http.post(url, json={"quantity": quantity})
            except httpx.TransportError as exc:
                self.report.violations.append(
                    f"restock of {item['sku']} unanswered ({exc!r}): the stock check may be off"
                )
                continue
            response.raise_for_status()
            self.restocked[item["sku"]] += quantity

    # ---- faults ------------------------------------------------------------------------------

    async def _fault_every_minute(self) -> None:
        """A fault in the middle of each minute of the soak, at (k + 1/2) minutes; one that
        lasts past the next one's time (a server slow to start again) takes that slot too. The
        kinds in a seeded order, every kind once per cycle."""
        rng = random.Random(self.soak.seed + 2)
        cycle: list[tuple[str, Callable[[], None]]] = []
        every = self.soak.fault_every
        number = slot = 0
        while True:
            now = time.monotonic() - self.load_started
            slot = max(slot + (number > 0), math.ceil(now / every - 0.5))
            if (slot + 0.5) * every >= self.duration:
                return
            await asyncio.sleep((slot + 0.5) * every - now)
            if not cycle:
                cycle = fault_cycle(self)
                rng.shuffle(cycle)
            kind, fault = cycle.pop(0)
            at = time.monotonic() - self.load_started
            self.say(f"fault {number + 1}: {kind}")
            self.faulting = True
            try:
                await asyncio.to_thread(fault)
                problem = None
            except Exception as exc:  # a fault that breaks the soak's own tools: go on
                problem = f"fault {kind!r} raised {exc!r}"
                self.report.violations.append(problem)
                self.say(f"VIOLATION: {problem}")
            finally:
                self.faulting = False
            took = time.monotonic() - self.load_started - at
            self.faults.append({"at": round(at, 1), "kind": kind, "seconds": round(took, 1)})
            number += 1

    # ---- sampling ----------------------------------------------------------------------------

    async def _sample_forever(self) -> None:
        """A sample every `sample_every` seconds on a fixed grid (one that takes longer, the
        broker or the database being slow or down, skips the times it overran)."""
        every = self.soak.sample_every
        while True:
            await self._sample()
            late = time.monotonic() - self.load_started
            await asyncio.sleep(every - late % every)

    async def _top_up_forever(self, http: httpx.AsyncClient) -> None:
        while True:
            await asyncio.sleep(self.soak.sample_every)
            if not self.faulting:
                await self._top_up(http)

    async def _sample(self) -> None:
        t = time.monotonic() - self.load_started
        for name in PROCESSES:
            rss = _rss(self.stack.services[name].process)
            if rss is not None:
                value, age, pid = rss
                self._add(f"rss {name}", Point(t, value, age, pid))
        depths, connections, postgres = await asyncio.gather(
            asyncio.to_thread(self.control.queue_depths),
            asyncio.to_thread(self.control.connections),
            self._database_figures(),
            return_exceptions=True,
        )
        # A probe that failed (its server down for a fault) gives no sample.
        figures: dict[str, float] = {}
        if isinstance(depths, dict):
            live = {name: d for name, d in depths.items() if not name.endswith(".dlq")}
            figures["rabbitmq ready"] = sum(ready for ready, _ in live.values())
            figures["rabbitmq unacked"] = sum(unacked for _, unacked in live.values())
        if isinstance(connections, tuple):
            figures["rabbitmq connections"], figures["rabbitmq channels"] = connections
        if isinstance(postgres, DatabaseFigures):
            figures["postgres connections"] = postgres.sessions
            figures["executions running"] = postgres.running
        for name, value in figures.items():
            self._add(name, Point(t, float(value)))
        self._progress_line(t, figures)

    async def _database_figures(self) -> DatabaseFigures:
        """The run database's sessions (but this one) and its executions, in one round trip."""
        connection = await asyncpg.connect(self.control.database_url, timeout=5)
        try:
            record = await connection.fetchrow(
                "SELECT (SELECT count(*) FROM pg_stat_activity"
                "        WHERE datname = current_database() AND pid <> pg_backend_pid()),"
                " count(*) FILTER (WHERE status = 'RUNNING'),"
                " count(*) FILTER (WHERE status <> 'RUNNING')"
                " FROM orchestrator.executions WHERE state_machine_name = $1",
                MACHINE,
            )
        finally:
            await connection.close()
        assert record is not None
        return DatabaseFigures(*(int(value) for value in record))

    async def _wait_running(self, at_most: int, timeout: float, when: str) -> float | None:
        """Seconds until at most `at_most` executions run (None: not within `timeout`)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncio.TimeoutError):
                if (await self._database_figures()).running <= at_most:
                    return time.monotonic() - started
            await asyncio.sleep(1)
        self.report.violations.append(f"executions still running {timeout:.0f}s {when}")
        return None

    def _add(self, name: str, point: Point) -> None:
        self.series.setdefault(name, []).append(point)

    def _progress_line(self, t: float, figures: dict[str, float]) -> None:
        rss = " ".join(
            f"{name.split('_')[0]} {self.series[f'rss {name}'][-1].value / MB:.0f}"
            for name in PROCESSES
            if f"rss {name}" in self.series
        )
        shown = ", ".join(f"{name} {value:.0f}" for name, value in figures.items())
        self.say(
            f"{min(t, self.duration) / 60:.1f}/{self.soak.minutes:g} min; "
            f"placed {len(self.placed)}; RSS MB {rss}; {shown or 'servers unreachable'}"
        )

    # ---- the verdict -------------------------------------------------------------------------

    def _verdicts(self) -> list[Verdict]:
        verdicts = [
            judge(
                f"rss {name}",
                self.series.get(f"rss {name}", []),
                self.duration,
                RSS,
                self.soak.min_age,
            )
            for name in PROCESSES
        ]
        # Messages, connections and running executions pile up while a server is down and
        # drain after: their medians leave out each fault and the DRAIN_SECONDS after it (where
        # a quarter has other samples). Memory is judged on every sample: a fault's bump is
        # memory too, and a median rides over it.
        faults = [
            (fault["at"], fault["at"] + fault["seconds"] + DRAIN_SECONDS) for fault in self.faults
        ]
        verdicts += [
            judge(name, self.series.get(name, []), self.duration, tolerance, faults=faults)
            for name, tolerance in COUNT_TOLERANCES.items()
        ]
        return verdicts


def _rss(process: Any) -> tuple[float, float, int] | None:
    """(RSS of the process and its children, its age in seconds, its pid), or None if gone."""
    if process is None or process.poll() is not None:
        return None
    try:
        found = psutil.Process(process.pid)
        rss = found.memory_info().rss + sum(
            child.memory_info().rss for child in found.children(recursive=True)
        )
        return float(rss), time.time() - found.create_time(), process.pid
    except psutil.Error:
        return None


def table(verdicts: list[Verdict]) -> list[str]:
    """start (first sample), warm (2nd-quarter median), end (last-quarter median), peak, last
    (after the load), the limit on end, and the verdict; RSS in MB."""

    def shown(name: str, value: float | None) -> str:
        if value is None:
            return "-"
        return f"{value / MB:.1f}" if name.startswith("rss ") else f"{value:.0f}"

    heads = "".join(f"{head:>8}" for head in ("start", "warm", "end", "peak", "last", "limit"))
    lines = [f"{'series':<22}{heads}  verdict"]
    for v in verdicts:
        cells = (v.start, v.warm, v.end, v.peak, v.last, v.limit)
        figures = "".join(f"{shown(v.name, c):>8}" for c in cells)
        verdict = ("flat" if v.ok else "GROWTH") + (f" ({v.note})" if v.note else "")
        lines.append(f"{v.name:<22}{figures}  {verdict}")
    return lines


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, help="orders per second (default: half the peak)")
    parser.add_argument("--peak-seconds", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    parser.add_argument("--fault-every", type=float, default=60.0, help="seconds")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--down", type=float, default=3.0, help="seconds a server stays down")
    parser.add_argument("--settle", type=float, default=300.0, help="seconds orders may take")
    parser.add_argument(
        "--process-warm-up", type=float, default=120.0, help="seconds before a process's RSS counts"
    )
    parser.add_argument("--log-dir", type=Path, help="where the logs and soak.json go")
    args = parser.parse_args(argv)
    soak = SoakSettings(
        minutes=args.minutes,
        rate=args.rate,
        peak_seconds=args.peak_seconds,
        fault_every=args.fault_every,
        sample_every=args.sample,
        seed=args.seed,
        down_seconds=args.down,
        settle_seconds=args.settle,
        min_age=args.process_warm_up,
    )
    chaos = Settings(
        rate=args.rate or 1.0,
        settle_seconds=args.settle,
        seed=args.seed,
        down_seconds=args.down,
    )
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="soak-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"soak: seed {args.seed} (--seed {args.seed} repeats it); logs in {log_dir}", flush=True)

    def say(line: str) -> None:
        print(line, flush=True)

    # SIGTERM stops the soak as Ctrl-C does: the processes and the private servers are stopped
    # and removed, not left running.
    signal.signal(signal.SIGTERM, _interrupt)
    # A long start allowed: on a busy machine five processes importing at once take a while.
    with running_system("private", log_dir, say, start_timeout=180) as (stack, control):
        result = asyncio.run(Soak(soak, chaos, stack, control, say).soak_run())
    result_path = log_dir / "soak.json"
    result_path.write_text(json.dumps(result, indent=1))
    print(f"result: {result_path}")
    problems = len(result["violations"]) + len(result["growth"])
    print("soak: OK" if not problems else f"soak: {problems} PROBLEM(S)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
