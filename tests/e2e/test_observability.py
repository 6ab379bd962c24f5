"""What an operator sees: one order's lifecycle in JSON log lines, histograms with observations
in every service's /metrics, label sets that do not grow with orders, and a dashboard that only
asks for metrics the services export."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from devtools.processes import SERVICES, Stack
from tests.e2e.dashboard import dashboard_metric_names
from tests.e2e.metrics_scrape import Scrape, scrape
from tests.e2e.orders import order_request, place, stocked_product, wait_finished

pytestmark = pytest.mark.e2e

LIFECYCLE_KEYS = ("execution_id", "order_id", "state_name")
# Labels whose values are a fixed set in the code (or capped: error names).
ENUMERATED = {"status", "outcome", "reason", "error", "event", "le"}


def log_lines(stack: Stack) -> Iterator[dict[str, Any]]:
    """Every JSON line every service wrote, with the service's name as `service`."""
    for name, service in stack.services.items():
        for text in service.log_path.read_text(errors="replace").splitlines():
            if text.startswith("{"):
                yield {**json.loads(text), "service": name}


def lines_of(stack: Stack, order_id: str, wanted: int, timeout: float = 10.0) -> list[dict]:
    """The order's lines, once `wanted` of them are written (logs trail the HTTP answers)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in log_lines(stack) if line.get("order_id") == order_id]
        if len(found) >= wanted or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def events(lines: list[dict]) -> set[tuple[str, str]]:
    return {(line["service"], line["event"]) for line in lines if "event" in line}


def test_one_orders_lifecycle_lines_carry_its_ids(stack: Stack, web: httpx.Client) -> None:
    sku = stocked_product(web)["sku"]
    order_id = place(web, order_request(sku, country="BR"))  # held, then cannot ship
    assert wait_finished(web, order_id)["status"] == "FAILED"
    lines = lines_of(stack, order_id, wanted=12)
    assert {
        ("web", "placed"),
        ("orchestrator", "started"),
        ("orchestrator", "scheduled"),
        ("payment_service", "charged"),
        ("inventory_service", "held"),
        ("orchestrator", "caught"),
        ("inventory_service", "released"),
        ("payment_service", "refunded"),
        ("orchestrator", "failed"),
    } <= events(lines), lines
    execution_id = f"order-fulfillment:{order_id}"
    for line in lines:
        assert line["execution_id"] == execution_id, line
        if line.get("event") not in ("placed", "started"):  # before any state
            assert all(key in line for key in LIFECYCLE_KEYS), line
    scheduled = {ln["state_name"] for ln in lines if ln.get("event") == "scheduled"}
    assert {"ChargePayment", "HoldItems", "ShipOrder", "ReleaseHold"} <= scheduled
    charged = next(line for line in lines if line.get("event") == "charged")
    assert charged["message"].startswith("charged ") and "." in charged["message"]  # major units


def test_retries_and_declines_are_logged(stack: Stack, web: httpx.Client) -> None:
    sku = stocked_product(web)["sku"]
    retried = place(web, order_request(sku, token="tok_transientError"))
    declined = place(web, order_request(sku, token="tok_chargeDeclined"))
    wait_finished(web, declined)
    wait_finished(web, retried, timeout=60)
    assert ("payment_service", "declined") in events(lines_of(stack, declined, wanted=5))
    lines = lines_of(stack, retried, wanted=8)
    retry = [line for line in lines if line.get("event") == "retried"]
    assert retry and retry[0]["state_name"] == "ChargePayment", lines
    assert "ServiceUnavailable" in retry[0]["message"]


def test_stop_and_redrive_are_logged(stack: Stack, orchestrator: httpx.Client) -> None:
    name = f"pause-{uuid.uuid4().hex[:8]}"
    definition = {
        "StartAt": "Pause",
        "States": {"Pause": {"Type": "Wait", "Seconds": 600, "End": True}},
    }
    assert orchestrator.put(f"/state-machines/{name}", json={"definition": definition}).is_success
    started = orchestrator.post("/executions", json={"stateMachineName": name, "name": "x"})
    execution_id = started.json()["executionId"]
    assert orchestrator.post(f"/executions/{execution_id}/stop", json={}).is_success
    assert orchestrator.post(f"/executions/{execution_id}/redrive").is_success
    deadline = time.monotonic() + 10
    while True:
        seen = {
            line.get("event")
            for line in log_lines(stack)
            if line.get("execution_id") == execution_id
        }
        if {"started", "stopped", "redriven"} <= seen or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {"started", "stopped", "redriven"} <= seen
    orchestrator.post(f"/executions/{execution_id}/stop", json={})


def test_no_task_token_reaches_a_log_line(stack: Stack, web: httpx.Client) -> None:
    sku = stocked_product(web)["sku"]
    order_id = place(web, order_request(sku))
    wait_finished(web, order_id)
    history = httpx.get(
        f"{stack.url('orchestrator')}/executions/order-fulfillment:{order_id}/history",
        headers=stack.auth_headers,
    ).json()
    tokens = {
        json.loads(event["details"]["parameters"])["taskToken"]
        for event in _events(history)
        if event["type"] == "TaskScheduled"
    }
    assert tokens
    for service in stack.services.values():
        text = service.log_path.read_text(errors="replace")
        assert not [token for token in tokens if token in text], service.package
        assert stack.api_token not in text, f"{service.package} logged the API token"


def _events(history: Any) -> list[dict]:
    return list(history["events"] if isinstance(history, dict) else history)


# ---- metrics ------------------------------------------------------------------------------


def place_batch(stack: Stack, web: httpx.Client, count: int) -> list[str]:
    """`count` orders, happy and declined alike, placed a few at a time, all finished."""
    sku = stocked_product(web)["sku"]
    httpx.post(
        f"{stack.url('inventory_service')}/items/{sku}/restock",
        json={"quantity": count},
        headers=stack.auth_headers,
    )

    def one(i: int) -> str:
        token = "tok_chargeDeclined" if i % 5 == 0 else "tok_visa"
        order_id = place(web, order_request(sku, token=token))
        wait_finished(web, order_id)
        return order_id

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


@pytest.fixture(scope="module")
def batches(stack: Stack, web: httpx.Client) -> tuple[dict[str, Scrape], dict[str, Scrape], list]:
    for package in SERVICES:  # a first scrape: from then on /metrics is counted as well
        scrape(stack.url(package))
    first_ids = place_batch(stack, web, 25)
    first = {package: scrape(stack.url(package)) for package in SERVICES}
    later_ids = place_batch(stack, web, 50)
    later = {package: scrape(stack.url(package)) for package in SERVICES}
    return first, later, first_ids + later_ids


HISTOGRAMS = {
    "orchestrator": [
        ("orchestrator_transition_latency_seconds", {}),
        ("orchestrator_task_duration_seconds", {"queue": "inventory.commands"}),
        ("orchestrator_execution_duration_seconds", {"state_machine": "order-fulfillment"}),
        ("amqp_queue_wait_seconds", {"queue": "orchestrator.results"}),
        ("http_request_duration_seconds", {"route": "/executions"}),
    ],
    "payment_service": [
        ("amqp_queue_wait_seconds", {"queue": "payment.commands"}),
        ("amqp_handle_duration_seconds", {"queue": "payment.commands"}),
    ],
    "inventory_service": [
        ("amqp_handle_duration_seconds", {"queue": "inventory.commands"}),
        ("http_request_duration_seconds", {"route": "/items/{sku}/restock"}),
    ],
    "shipping_service": [("amqp_handle_duration_seconds", {"queue": "shipping.commands"})],
    "web": [("http_request_duration_seconds", {"route": "/orders/{order_id}", "status": "200"})],
}


def test_every_histogram_has_observations(batches: Any) -> None:
    _, later, _ = batches
    for package, wanted in HISTOGRAMS.items():
        for name, labels in wanted:
            assert later[package].count(name, labels) > 0, (package, name, labels)
    gauges = later["orchestrator"].names()
    for name in (
        "orchestrator_running_executions",
        "orchestrator_due_timers",
        "orchestrator_outbox_unpublished",
    ):
        assert name in gauges


def test_label_sets_do_not_grow_with_orders(batches: Any) -> None:
    first, later, order_ids = batches
    for package in SERVICES:
        seen = {pair for _, labels in first[package].series() for pair in labels}
        grown = {
            (name, pair)
            for name, labels in later[package].series() - first[package].series()
            for pair in labels
            # A status or outcome seen first now (a transient fault's `retried`) is one of a
            # fixed few; a new route, queue or state machine would be growth.
            if pair not in seen and pair[0] not in ENUMERATED
        }
        assert not grown, (package, sorted(grown)[:10])
        values = {value for _, labels in later[package].series() for _, value in labels}
        assert not [v for v in values for order_id in order_ids if order_id in v], package


def test_the_dashboard_asks_only_for_exported_metrics(batches: Any) -> None:
    _, later, _ = batches
    exported = set().union(*(scraped.names() for scraped in later.values()))
    missing = dashboard_metric_names() - exported
    assert not missing, sorted(missing)
