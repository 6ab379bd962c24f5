"""Three orchestrators on one database and one set of queues share the work, with no leader."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from devtools.processes import Stack
from tests.e2e.orders import net_charge, order_request, place, wait_finished

pytestmark = pytest.mark.e2e

ORDERS = 30


def transitions_applied(url: str) -> float:
    """Sum of orchestrator_transitions_total in the process's /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    return sum(
        float(value)
        for value in re.findall(r"^orchestrator_transitions_total\{[^}]*\} (\S+)$", text, re.M)
    )


def test_three_orchestrators_share_the_work_and_do_each_step_once(
    stack: Stack, web: httpx.Client, payment: httpx.Client, inventory: httpx.Client
) -> None:
    extras = [stack.add_orchestrator(f"orchestrator-{n}") for n in (2, 3)]
    for extra in extras:
        extra.start()
    try:
        for extra in extras:
            extra.wait_healthy()
        sku = max(web.get("/products").json(), key=lambda p: p["available"])["sku"]
        inventory.post(f"/items/{sku}/restock", json={"quantity": ORDERS})
        before = [transitions_applied(o.url) for o in extras]

        with ThreadPoolExecutor(8) as pool:
            order_ids = list(pool.map(lambda _: place(web, order_request(sku)), range(ORDERS)))
            orders = list(pool.map(lambda order_id: wait_finished(web, order_id), order_ids))

        assert [o["status"] for o in orders] == ["COMPLETED"] * ORDERS, [
            (o["status"], o.get("failure")) for o in orders if o["status"] != "COMPLETED"
        ]
        for order in orders:
            payments = payment.get("/payments", params={"order_id": order["order_id"]}).json()
            assert [p["status"] for p in payments] == ["CHARGED"]
            assert net_charge(payments) == order["total_cents"]
        # Replies go to whichever orchestrator takes them from the shared queue.
        after = [transitions_applied(o.url) for o in extras]
        assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    finally:
        for extra in extras:
            extra.stop()
