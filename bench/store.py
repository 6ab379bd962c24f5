"""Phase 2, the store: orders through web's public REST API with all five processes running.

A closed loop first (N clients, each placing an order, asking GET /orders/{id}?wait=... until it
is no longer PROCESSING, then placing the next) measures throughput; then an open loop at half that
rate (Poisson arrivals, each order on its own) measures latency where the system is not
saturated. An order's latency runs from just before its POST to its `finished_at` as the
orchestrator recorded it (same machine, same clock), so how the client learns of it does not add
to it; `observed_ms` (to the GET that saw the end) is reported beside it. Meanwhile every process's
RSS is sampled, and the database's size is taken before and after.

The customers speak HTTP through bench/http_client.py, not aiohttp: the driver shares the two
cores with the shop it measures, and aiohttp cost it about 1.9 ms of CPU per order (a POST and
a GET), 6% of the whole machine's CPU per order, which the shop's throughput then lacked."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg
import psutil

from bench.http_client import HttpClient, HttpError
from bench.progress import bar
from bench.stats import Sample, latency_summary
from devtools.orders import order_request
from devtools.processes import Stack

# How a client learns that its order has finished. By default one long-poll, GET
# /orders/{id}?wait=LONG_POLL_SECONDS, which web answers as soon as the order finishes (a
# client's usual single GET). With `long_poll=False`, the way a client without it would: polls
# that back off with the order's age (half of it, between the bounds below), since every GET
# costs web a call to the orchestrator (the execution's history); about 8 GETs for an order of
# 2 s. Such a client idles up to half an order's latency between its orders.
LONG_POLL_SECONDS = 10
POLL_MIN_SECONDS = 0.1
POLL_MAX_SECONDS = 1.0
ORDER_TIMEOUT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 30.0
TIMEOUT = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)  # restocking's, before the orders
# What a customer's request can fail with: the connection, the response, or the time it took.
REQUEST_ERRORS = (HttpError, OSError, TimeoutError)


def poll_description(long_poll: bool) -> str:
    if long_poll:
        return f"GET /orders/{{id}}?wait={LONG_POLL_SECONDS} (held until the order finishes)"
    return f"GET /orders/{{id}} after max({POLL_MIN_SECONDS}s, min({POLL_MAX_SECONDS}s, age/2))"


def poll_delay(age: float) -> float:
    return min(POLL_MAX_SECONDS, max(POLL_MIN_SECONDS, age / 2))


@dataclass
class Outcomes:
    samples: list[Sample] = field(default_factory=list)
    observed: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # orders that did not complete
    poll_errors: Counter[str] = field(default_factory=Counter)  # GETs that failed (retried)
    placed: int = 0
    polls: int = 0


class Shop:
    """One order at a time, as a client of web's REST API does it."""

    def __init__(self, client: HttpClient, skus: list[str], began: float, long_poll: bool) -> None:
        self.client = client
        self.skus = skus
        self.began = began
        self.long_poll = long_poll
        self.count = 0

    async def look(self, order_id: str, age: float) -> tuple[int, Any]:
        """GET the order: held until it finishes (long-poll), or after a delay (polls)."""
        url = f"/orders/{order_id}"
        if self.long_poll:
            url += f"?wait={LONG_POLL_SECONDS}"
        else:
            await asyncio.sleep(poll_delay(age))
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            return await self.client.get_json(url)

    async def order(self, outcomes: Outcomes) -> None:
        sku = self.skus[self.count % len(self.skus)]
        self.count += 1
        started = time.time()
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                status, placed = await self.client.post_json("/orders", order_request(sku))
        except REQUEST_ERRORS as exc:
            outcomes.errors[f"POST {type(exc).__name__}"] += 1
            return
        if status != 202:
            outcomes.errors[f"POST {status}"] += 1
            return
        outcomes.placed += 1
        order_id = placed["order_id"]
        while True:
            age = time.time() - started
            if age > ORDER_TIMEOUT_SECONDS:
                outcomes.errors["timeout"] += 1
                return
            outcomes.polls += 1
            try:
                status, order = await self.look(order_id, age)
            except REQUEST_ERRORS as exc:
                outcomes.poll_errors[f"GET {type(exc).__name__}"] += 1
                continue
            if status != 200:
                outcomes.poll_errors[f"GET {status}"] += 1
                continue
            if order["status"] == "PROCESSING":
                continue
            seen = time.time()
            ended = datetime.fromisoformat(order["finished_at"]).timestamp()
            ok = order["status"] == "COMPLETED"
            if not ok:
                failure = order.get("failure") or {}
                outcomes.errors[f"{order['status']} {failure.get('error', '')}".strip()] += 1
            outcomes.samples.append(Sample(ended - self.began, ended - started, ok))
            outcomes.observed.append(seen - started)
            return


async def restock(
    web_url: str, inventory_url: str, orders: int, headers: dict[str, str]
) -> list[str]:
    """Enough stock on every product for `orders` orders of one unit spread over them
    (`headers` bear the API token that restocking needs)."""
    async with aiohttp.ClientSession(
        timeout=TIMEOUT, raise_for_status=True, headers=headers
    ) as client:
        async with client.get(f"{web_url}/products") as response:
            products = await response.json()
        skus = sorted(p["sku"] for p in products)
        each = orders // len(skus) + 10
        for sku in skus:
            left = each
            while left > 0:
                chunk = min(left, 1_000_000)
                restock_url = f"{inventory_url}/items/{sku}/restock"
                async with client.post(restock_url, json={"quantity": chunk}):
                    pass
                left -= chunk
    return skus


async def closed_loop(
    web_url: str, skus: list[str], orders: int, clients: int, long_poll: bool = True
) -> tuple[Outcomes, float]:
    outcomes = Outcomes()
    progress = bar(f"store closed x{clients}", orders, "order")
    async with HttpClient(web_url, clients) as client:
        began = time.time()
        shop = Shop(client, skus, began, long_poll)
        remaining = orders

        async def customer() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await shop.order(outcomes)
                progress.update()

        await asyncio.gather(*(customer() for _ in range(clients)))
        elapsed = max((s.end for s in outcomes.samples), default=time.time() - began)
    progress.close()
    return outcomes, elapsed


async def open_loop(
    web_url: str, skus: list[str], rate: float, orders: int, seed: int = 1, long_poll: bool = True
) -> tuple[Outcomes, float, int]:
    """`orders` orders arriving at `rate` per second (Poisson), each on its own: outcomes,
    seconds, and the most orders in flight at once."""
    outcomes = Outcomes()
    progress = bar(f"store open {rate:.1f}/s", orders, "order")
    arrivals = random.Random(seed)
    in_flight = peak = 0
    async with HttpClient(web_url, 256) as client:
        began = time.time()
        shop = Shop(client, skus, began, long_poll)

        async def one() -> None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                await shop.order(outcomes)
            finally:
                in_flight -= 1
                progress.update()

        tasks = []
        due = began
        for _ in range(orders):
            due += arrivals.expovariate(rate)
            await asyncio.sleep(max(0.0, due - time.time()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
        elapsed = max((s.end for s in outcomes.samples), default=time.time() - began)
    progress.close()
    return outcomes, elapsed, peak


def outcome_figures(outcomes: Outcomes, seconds: float) -> dict[str, Any]:
    from bench.stats import phase_figures

    figures = phase_figures(outcomes.samples, seconds)
    figures["placed"] = outcomes.placed
    figures["polls_per_order"] = (
        round(outcomes.polls / outcomes.placed, 1) if outcomes.placed else None
    )
    figures["errors_by_kind"] = dict(outcomes.errors)
    figures["errors"] = sum(outcomes.errors.values())
    figures["poll_errors_by_kind"] = dict(outcomes.poll_errors)
    figures["observed_latency"] = latency_summary(
        [o for o, s in zip(outcomes.observed, outcomes.samples, strict=True) if s.ok]
    )
    return figures


class MemorySampler:
    """RSS of each process (with its children) every `interval` seconds, on a thread."""

    def __init__(self, pids: dict[str, int], interval: float = 1.0) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.interval = interval
        self.samples: dict[str, list[tuple[float, int]]] = {name: [] for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self.began = time.time()

    def _sample(self) -> None:
        now = time.time() - self.began
        for name, process in self.processes.items():
            try:
                rss = process.memory_info().rss
                rss += sum(child.memory_info().rss for child in process.children(recursive=True))
            except psutil.Error:
                continue
            self.samples[name].append((round(now, 2), rss))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> MemorySampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def figures(self, max_points: int = 400) -> dict[str, Any]:
        report: dict[str, Any] = {}
        for name, samples in self.samples.items():
            if not samples:
                continue
            step = max(1, len(samples) // max_points)
            report[name] = {
                "start_mb": round(samples[0][1] / 2**20, 1),
                "end_mb": round(samples[-1][1] / 2**20, 1),
                "peak_mb": round(max(rss for _, rss in samples) / 2**20, 1),
                "series": [[t, round(rss / 2**20, 1)] for t, rss in samples[::step]],
            }
        return report


async def database_size(database_url: str) -> dict[str, Any]:
    """The whole database's size, and each table's (with its indexes and TOAST), in bytes."""
    connection = await asyncpg.connect(database_url)
    try:
        total = await connection.fetchval("SELECT pg_database_size(current_database())")
        rows = await connection.fetch(
            "SELECT n.nspname || '.' || c.relname AS name, pg_total_relation_size(c.oid) AS bytes "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
        )
    finally:
        await connection.close()
    return {"database": int(total), "tables": {r["name"]: int(r["bytes"]) for r in rows}}


def growth(before: dict[str, Any], after: dict[str, Any], orders: int) -> dict[str, Any]:
    """Bytes per order, of the database and of each table that grew."""
    per_table = {
        name: {
            "bytes": after["tables"][name] - before["tables"].get(name, 0),
            "per_order": round((after["tables"][name] - before["tables"].get(name, 0)) / orders),
        }
        for name in sorted(after["tables"])
        if orders and after["tables"][name] != before["tables"].get(name, 0)
    }
    delta = after["database"] - before["database"]
    return {
        "orders": orders,
        "database_bytes_before": before["database"],
        "database_bytes_after": after["database"],
        "database_bytes_per_order": round(delta / orders) if orders else None,
        "tables_bytes_per_order": round(
            sum(t["bytes"] for t in per_table.values()) / orders if orders else 0
        ),
        "tables": per_table,
    }


def stack_pids(stack: Stack) -> dict[str, int]:
    return {
        name: service.process.pid
        for name, service in stack.services.items()
        if service.process is not None
    }
