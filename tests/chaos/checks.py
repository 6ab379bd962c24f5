"""What must hold once the run has settled, checked from each service's own records.

- every order ended COMPLETED or FAILED, with an outcome its kind allows;
- COMPLETED: one payment, net charge = total, one HELD hold, one shipment;
- FAILED: net charge 0, nothing HELD, no shipment;
- stock is conserved: initial + restocked = available + units in HELD holds, per sku;
- the orchestrator left no command unpublished.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import httpx

from tests.chaos.plan import PlannedOrder
from tests.chaos.records import get_json
from tests.e2e.orders import net_charge


@dataclass
class Findings:
    outcomes: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    held_units: Counter[str] = field(default_factory=Counter)
    seconds_to_finish: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class Urls:
    web: str
    payment: str
    inventory: str
    shipping: str


async def check_orders(
    http: httpx.AsyncClient, urls: Urls, placed: dict[str, PlannedOrder]
) -> Findings:
    findings = Findings()
    limit = asyncio.Semaphore(8)

    async def one(order_id: str, planned: PlannedOrder) -> None:
        async with limit:
            await _check_order(http, urls, order_id, planned, findings)

    await asyncio.gather(*(one(order_id, planned) for order_id, planned in placed.items()))
    return findings


async def _check_order(
    http: httpx.AsyncClient,
    urls: Urls,
    order_id: str,
    planned: PlannedOrder,
    findings: Findings,
) -> None:
    order, payments, holds, shipments = await asyncio.gather(
        get_json(http, f"{urls.web}/orders/{order_id}"),
        get_json(http, f"{urls.payment}/payments", order_id=order_id),
        get_json(http, f"{urls.inventory}/holds", order_id=order_id),
        get_json(http, f"{urls.shipping}/shipments", order_id=order_id),
    )
    status = order["status"]
    error = (order.get("failure") or {}).get("error")
    findings.outcomes[f"{planned.kind.name} -> {status}{f' {error}' if error else ''}"] += 1
    wrong: list[str] = []
    if status not in ("COMPLETED", "FAILED"):
        wrong.append(f"still {status}")
    elif (status, error) not in planned.kind.outcomes:
        wrong.append(f"{planned.kind.name} order ended {status} {error}: {order.get('failure')}")
    held = [hold for hold in holds if hold["status"] == "HELD"]
    for hold in held:
        findings.held_units.update({line["sku"]: line["quantity"] for line in hold["items"]})
    charged = net_charge(payments)
    if len(payments) > 1 or len(holds) > 1 or len(shipments) > 1:
        wrong.append(f"{len(payments)} payments, {len(holds)} holds, {len(shipments)} shipments")
    if status == "COMPLETED":
        if charged != order["total_cents"]:
            wrong.append(f"net charge {charged} != total {order['total_cents']}")
        if len(held) != 1 or len(shipments) != 1:
            wrong.append(f"{len(held)} HELD holds and {len(shipments)} shipments, not 1 and 1")
    elif status == "FAILED":
        if charged != 0:
            wrong.append(f"FAILED with a net charge of {charged}")
        if held or shipments:
            wrong.append(f"FAILED with {len(held)} HELD holds and {len(shipments)} shipments")
    if order.get("created_at") and order.get("finished_at"):
        findings.seconds_to_finish.append(_seconds(order["created_at"], order["finished_at"]))
    findings.violations.extend(f"order {order_id}: {problem}" for problem in wrong)


def check_stock(
    initial: dict[str, int],
    restocked: Counter[str],
    available: dict[str, int],
    held: Counter[str],
) -> list[str]:
    return [
        f"stock of {sku}: initial {initial[sku]} + restocked {restocked[sku]} != "
        f"available {available[sku]} + held {held[sku]}"
        for sku in initial
        if initial[sku] + restocked[sku] != available[sku] + held[sku] or available[sku] < 0
    ]


UNPUBLISHED_SETTLE_SECONDS = 15.0


async def orchestrator_leftovers(database_url: str) -> tuple[list[str], dict[str, int]]:
    """Violations in the orchestrator's tables, and figures worth printing."""
    connection = await asyncpg.connect(database_url)
    try:
        # A command is marked published lazily, after the broker's confirm, and one whose
        # orchestrator died before marking it is sent again by the relay once it is older than
        # OUTBOX_GRACE_SECONDS: give both time to settle before counting what never went out.
        deadline = time.monotonic() + UNPUBLISHED_SETTLE_SECONDS
        while True:
            unpublished = await connection.fetchval(
                "SELECT count(*) FROM orchestrator.outbox WHERE published_at IS NULL"
            )
            if not unpublished or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        figures = {
            "commands published": await connection.fetchval(
                "SELECT count(*) FROM orchestrator.outbox"
            ),
            "stale replies recorded": await connection.fetchval(
                "SELECT count(*) FROM orchestrator.rejected_replies WHERE stale"
            ),
            "timers left": await connection.fetchval("SELECT count(*) FROM orchestrator.timers"),
        }
    finally:
        await connection.close()
    violations = [f"{unpublished} outbox rows never published"] if unpublished else []
    return violations, figures


def check_queues(queues: dict[str, tuple[int, int]], dead_letters: Counter[str]) -> list[str]:
    """Nothing left in any queue but the dead letters the run itself sent."""
    return [
        f"queue {name} holds {messages} message(s), expected {dead_letters[name]}"
        for name, (messages, _consumers) in sorted(queues.items())
        if messages != dead_letters[name]
    ] + [f"dead-letter queue {name} is missing" for name in dead_letters if name not in queues]


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def summarize(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {median:.1f}s, p95 {p95:.1f}s, max {ordered[-1]:.1f}s"
