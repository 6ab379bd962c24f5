"""The console in headless Chromium: graphs coloured live, failures and compensations marked,
stop and redrive, a drawn definition's groups and labels, the executions list."""

from __future__ import annotations

import re
import time
import uuid

import httpx
from playwright.sync_api import Locator, Page, expect

from devtools.processes import Stack
from tests.e2e.orders import order_request, place, stocked_product, wait_finished

from . import console_flows as flows
from .conftest import screenshot


def node(page: Page, state: str) -> Locator:
    return page.locator(f'g.node.state[data-state="{state}"]')


def has_status(status: str) -> re.Pattern[str]:
    return re.compile(rf"\bst-{status}\b")


def open_execution(page: Page, stack: Stack, execution_id: str) -> None:
    page.goto(f"{stack.url('orchestrator')}/console/executions/{execution_id}")
    expect(page.locator("#states-table")).to_be_visible()


def test_graph_turns_green_state_by_state_from_the_stream(
    stack: Stack, page: Page, orchestrator: httpx.Client
) -> None:
    machine = flows.register(
        orchestrator, "console-steps", flows.gated_steps(f"test.console.{uuid.uuid4().hex[:8]}")
    )
    execution_id = flows.start(orchestrator, machine)
    open_execution(page, stack, execution_id)
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    expect(node(page, "Reserve")).to_have_class(has_status("IN_PROGRESS"))
    expect(node(page, "Ship")).to_have_class(has_status("NOT_RUN"))

    for i, step in enumerate(flows.STEPS):
        token = flows.next_token(orchestrator, execution_id, i)
        reply = orchestrator.post("/tasks/success", json={"taskToken": token, "output": {}})
        assert reply.status_code == 200, reply.text
        expect(node(page, step)).to_have_class(has_status("SUCCEEDED"))
        if i + 1 < len(flows.STEPS):
            expect(node(page, flows.STEPS[i + 1])).to_have_class(has_status("IN_PROGRESS"))
        if i == 0:
            screenshot(page, "console-execution-live")
    expect(page.locator("#execution-status")).to_contain_text("succeeded")
    expect(page.locator("#states-table tbody tr")).to_have_count(3)
    assert page.evaluate("window.sameDocument") is True
    expect(page.locator("main")).to_have_attribute("data-live", "ended")


def test_an_order_drawn_green_with_its_states_input_and_output(
    stack: Stack, page: Page, web: httpx.Client
) -> None:
    product = stocked_product(web)
    order_id = place(web, order_request(product["sku"]))
    open_execution(page, stack, f"order-fulfillment:{order_id}")
    for state in ("ChargePayment", "HoldItems", "ShipOrder", "OrderCompleted"):
        expect(node(page, state)).to_have_class(has_status("SUCCEEDED"), timeout=15_000)
    assert wait_finished(web, order_id)["status"] == "COMPLETED"
    expect(node(page, "RefundPayment")).to_have_class(has_status("NOT_RUN"))

    node(page, "ShipOrder").click()
    expect(page.locator("#state-detail h2")).to_have_text("ShipOrder")
    expect(page.locator("#state-input")).to_contain_text(order_id)
    expect(page.locator("#state-output")).to_contain_text("tracking_number")
    page.locator("#history details").first.locator("summary").click()
    expect(page.locator("#history details").first.locator("pre")).to_contain_text(order_id)
    screenshot(page, "console-execution-succeeded")


def test_declined_and_address_rejected_orders_show_failure_and_compensation(
    stack: Stack, page: Page, web: httpx.Client
) -> None:
    sku = stocked_product(web)["sku"]
    declined = place(web, order_request(sku, token="tok_chargeDeclined"))
    rejected = place(web, order_request(sku, country="BR"))
    wait_finished(web, declined)
    wait_finished(web, rejected)

    open_execution(page, stack, f"order-fulfillment:{declined}")
    expect(page.locator("#failure-banner")).to_contain_text("PaymentDeclined")
    expect(node(page, "ChargePayment")).to_have_class(has_status("CAUGHT"))
    expect(node(page, "OrderFailed")).to_have_class(has_status("FAILED"))
    expect(node(page, "HoldItems")).to_have_class(has_status("NOT_RUN"))
    expect(page.locator("g.edge.catch.taken")).to_have_count(1)
    screenshot(page, "console-execution-declined")

    open_execution(page, stack, f"order-fulfillment:{rejected}")
    expect(page.locator("#failure-banner")).to_contain_text("AddressRejected")
    expect(node(page, "ShipOrder")).to_have_class(has_status("CAUGHT"))
    for compensation in ("ReleaseHold", "RefundPayment"):
        expect(node(page, compensation)).to_have_class(has_status("SUCCEEDED"))
    expect(node(page, "OrderFailed")).to_have_class(has_status("FAILED"))
    expect(node(page, "OrderCompleted")).to_have_class(has_status("NOT_RUN"))
    row = page.locator('#states-table tr[data-state="ShipOrder"]')
    expect(row).to_contain_text(re.compile("caught", re.I))
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#state-detail")).to_contain_text("AddressRejected")
    screenshot(page, "console-execution-address-rejected")


def test_stop_and_redrive_from_the_execution_page(
    stack: Stack, page: Page, orchestrator: httpx.Client
) -> None:
    machine = flows.register(
        orchestrator, "console-stop", flows.gated_steps(f"test.console.{uuid.uuid4().hex[:8]}")
    )
    execution_id = flows.start(orchestrator, machine)
    open_execution(page, stack, execution_id)
    expect(node(page, "Reserve")).to_have_class(has_status("IN_PROGRESS"))

    page.locator("#stop").click()
    expect(page.locator("dialog#confirm")).to_be_visible()
    screenshot(page, "console-stop-confirmation")
    page.locator("#confirm-ok").click()
    expect(page.locator("#execution-status")).to_contain_text("aborted")
    expect(page.locator("#failure-banner")).to_contain_text("Console.Stopped")
    expect(node(page, "Reserve")).to_have_class(has_status("ABORTED"))
    expect(page.locator("#stop")).to_have_count(0)

    page.locator("#redrive").click()
    expect(page.locator("dialog#confirm")).to_contain_text("Redrive this execution?")
    page.locator("#confirm-ok").click()
    expect(page.locator("#execution-status")).to_contain_text("running")
    expect(node(page, "Reserve")).to_have_class(has_status("IN_PROGRESS"))
    expect(page.locator("#history")).to_contain_text("ExecutionRedriven")
    screenshot(page, "console-execution-redriven")
    orchestrator.post(f"/executions/{execution_id}/stop", json={})


def test_a_definition_draws_map_and_parallel_groups_and_labelled_choices(
    stack: Stack, page: Page, orchestrator: httpx.Client
) -> None:
    machine = flows.register(orchestrator, "console-shapes", flows.SHAPES)
    page.goto(f"{stack.url('orchestrator')}/console/state-machines/{machine}")
    expect(page.locator("main")).to_have_attribute("data-ready", "true")
    labels = page.locator("g.group .group-label").all_text_contents()
    assert "Map: EachItem" in labels and "Each item" in labels, labels
    assert {"Parallel: Both", "Branch 1", "Branch 2"} <= set(labels), labels
    # The Map's inner states sit inside its group's box.
    group = page.locator('g.state-group[data-state="EachItem"] > rect').bounding_box()
    inner = node(page, "Price").bounding_box()
    assert group and inner and group["y"] < inner["y"] < group["y"] + group["height"]
    choice_labels = page.locator("g.edge.choice .edge-label").all_text_contents()
    assert '$.kind == "bulk"' in choice_labels, choice_labels
    assert any("and" in label for label in choice_labels), choice_labels
    expect(page.locator("g.edge.default .edge-label")).to_have_text("Default")
    expect(page.locator("g.edge.catch .edge-label")).to_contain_text("States.ALL")
    expect(page.locator("pre.definition")).to_contain_text('"StartAt": "Classify"')

    node(page, "Classify").focus()
    page.keyboard.press("Enter")
    expect(node(page, "Classify")).to_have_class(re.compile(r"\bselected\b"))
    screenshot(page, "console-state-machine")


def test_executions_list_finds_an_order_by_its_id_with_counts(
    stack: Stack, page: Page, web: httpx.Client
) -> None:
    order_id = place(web, order_request(stocked_product(web)["sku"]))
    wait_finished(web, order_id)
    page.goto(f"{stack.url('orchestrator')}/")  # the root leads to the console
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator(".counts")).to_contain_text(re.compile("succeeded", re.I))
    screenshot(page, "console-executions")
    page.get_by_label("Name contains").fill(order_id[:13])
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"name="))
    page.locator("main tbody tr a").click()
    expect(page).to_have_url(re.compile(rf"/console/executions/order-fulfillment:{order_id}$"))
    expect(node(page, "OrderCompleted")).to_have_class(has_status("SUCCEEDED"))


def test_a_200_state_definition_draws_and_10000_events_page(
    stack: Stack, page: Page, orchestrator: httpx.Client
) -> None:
    """Prints the figures; asserts no time (the machine's speed varies)."""
    base = stack.url("orchestrator")
    print()
    for catch_to_last, kind in (
        (False, "catches to nearby states"),
        (True, "40 catches to the last"),
    ):
        definition = flows.two_hundred_states(catch_to_last)
        catches = sum(len(state.get("Catch", [])) for state in definition["States"].values())
        big = flows.register(orchestrator, "console-200", definition)
        page.goto(f"{base}/console/state-machines/{big}")
        expect(page.locator("main")).to_have_attribute("data-ready", "true", timeout=20_000)
        expect(page.locator("g.node.state")).to_have_count(200)
        draw_ms = page.locator("main").get_attribute("data-draw-ms")
        print(f"console: a 200-state definition ({kind}) laid out and drawn in {draw_ms} ms")
        expect(page.locator("g.edge.catch .edge-label")).to_have_count(catches)
        screenshot(
            page, f"console-state-machine-200-states{'-catch-to-last' if catch_to_last else ''}"
        )

    machine = flows.register(orchestrator, "console-events", flows.many_events(1700))
    execution_id = flows.start(orchestrator, machine, {"items": list(range(1700))})
    flows.wait_status(orchestrator, execution_id, "SUCCEEDED")
    started = time.monotonic()
    open_execution(page, stack, execution_id)
    expect(page.locator("#history-range")).to_contain_text("Events 1\N{EN DASH}50 of 10")
    opened = time.monotonic() - started
    expect(page.locator("#history details")).to_have_count(50)
    total = int(page.locator("#history-range").inner_text().rsplit(" ", 1)[1])
    assert total >= 10_000
    started = time.monotonic()
    page.locator("#history-last").click()
    expect(page.locator("#history-range")).to_contain_text(f"of {total}")
    expect(page.locator("#history details").last).to_contain_text("ExecutionSucceeded")
    last_page = time.monotonic() - started
    print(
        f"console: an execution of {total} events opened in {opened * 1000:.0f} ms "
        f"(50 events on the page), its last page in {last_page * 1000:.0f} ms"
    )
    expect(page.locator("#states-table")).to_contain_text("first 500 of")
    screenshot(page, "console-execution-10000-events")
