"""Three orchestrators on one database and one set of queues share the work, with no leader."""

from __future__ import annotations

import re
import time
import uuid
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


def test_a_long_poll_sees_an_end_another_orchestrator_committed(
    stack: Stack, orchestrator: httpx.Client
) -> None:
    """The orchestrator holding the long-poll did not commit the end, so nothing wakes it: its
    recheck of the waited-on executions must find it, long before the wait runs out."""
    queue = f"test.nobody-{uuid.uuid4().hex[:8]}"  # no consumer: the execution stays RUNNING
    definition = {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": f"rabbitmq:{queue}", "End": True}},
    }
    name = f"held-{uuid.uuid4().hex[:8]}"
    assert orchestrator.put(f"/state-machines/{name}", json={"definition": definition}).is_success
    started = orchestrator.post(
        "/executions", json={"stateMachineName": name, "name": "one", "input": {}}
    )
    assert started.status_code == 201, started.text
    execution_id = started.json()["executionId"]
    other = stack.add_orchestrator("orchestrator-stopper")
    other.start()
    try:
        other.wait_healthy()
        wait_seconds = 20
        with ThreadPoolExecutor(1) as pool:
            began = time.monotonic()
            held = pool.submit(
                orchestrator.get,
                f"/executions/{execution_id}/history",
                params={"waitSeconds": wait_seconds},
                timeout=wait_seconds + 10,
            )
            time.sleep(0.5)
            assert not held.done()
            stopped = httpx.post(
                f"{other.url}/executions/{execution_id}/stop",
                json={},
                headers=stack.auth_headers,
                timeout=10,
            )
            assert stopped.status_code == 200, stopped.text
            response = held.result()
            elapsed = time.monotonic() - began
        assert response.status_code == 200
        assert response.json()["events"][-1]["type"] == "ExecutionAborted"
        assert elapsed < wait_seconds / 2, f"answered after {elapsed:.1f}s: the wait ran out"
    finally:
        other.stop()
