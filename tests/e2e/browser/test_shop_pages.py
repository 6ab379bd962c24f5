"""The shop's pages in Chromium: order through the form, watch the tracker, read the outcome."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator, Page, expect

from devtools.processes import Stack

from .conftest import screenshot

ORDER_URL = re.compile(r"/shop/orders/[0-9a-f-]{36}$")
# Long enough for the three steps, or for a compensation chain, on a busy machine.
FINISHED = 30_000


def open_shop(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url('web')}/shop")
    expect(page.locator(".product").first).to_be_visible(timeout=10_000)


def fill_form(
    page: Page, *, email: str | None = None, country: str = "GB", card: str = "Visa ending 4242"
) -> None:
    page.get_by_label("Email").fill(email or f"buyer-{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Street address").fill("12 Analytical Row")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("N1 9GU")
    page.get_by_label("Country").select_option(country)
    page.get_by_label(card).check()


def place(page: Page) -> str:
    page.get_by_role("button", name=re.compile("^Place order")).click()
    page.wait_for_url(ORDER_URL, timeout=10_000)
    return page.url.rsplit("/", 1)[-1]


def step(page: Page, name: str) -> Locator:
    return page.locator(f'[data-step="{name}"]')


def test_order_through_the_form_tracks_to_a_tracking_number(stack: Stack, page: Page) -> None:
    open_shop(page, stack)
    # Two lines: the first product (already in the form) and another added from its card.
    page.locator(".product").nth(1).get_by_role("button", name=re.compile("^Add")).click()
    fill_form(page)
    expect(page.locator(".line")).to_have_count(2)
    screenshot(page, "shop")

    order_id = place(page)
    expect(page.locator("#order-id")).to_have_text(order_id)
    screenshot(page, "order-processing")
    expect(page.locator("body")).to_have_attribute(
        "data-order-status", "COMPLETED", timeout=FINISHED
    )
    for name in ("ChargePayment", "HoldItems", "ShipOrder"):
        expect(step(page, name)).to_have_attribute("data-state", "done")
    expect(page.locator("#tracking-number")).to_have_text(re.compile(r"^[A-Z]+\S+$"))
    expect(page.locator("#status-title")).to_have_text("Your order is on its way.")
    expect(page.locator("#undo")).to_be_hidden()
    expect(page.locator("#summary-lines tr")).to_have_count(2)

    console = f"{stack.url('orchestrator')}/console/executions/order-fulfillment:{order_id}"
    expect(page.locator("#console-link")).to_have_attribute("href", console)
    screenshot(page, "order-completed")


def test_declined_card_says_nothing_was_charged(stack: Stack, page: Page) -> None:
    open_shop(page, stack)
    fill_form(page, card="Card that is declined")
    place(page)
    expect(page.locator("body")).to_have_attribute("data-order-status", "FAILED", timeout=FINISHED)
    expect(page.locator("#status-title")).to_have_text("Your card was declined.")
    expect(page.locator("#status-text")).to_have_text(
        "Nothing was charged and no items were reserved."
    )
    expect(step(page, "ChargePayment")).to_have_attribute("data-state", "failed")
    expect(step(page, "HoldItems")).to_have_attribute("data-state", "skipped")
    expect(page.locator("#undo")).to_be_hidden()
    screenshot(page, "order-declined")


def test_address_rejected_shows_what_was_undone(stack: Stack, page: Page) -> None:
    open_shop(page, stack)
    fill_form(page, country="BR")
    place(page)
    expect(page.locator("body")).to_have_attribute("data-order-status", "FAILED", timeout=FINISHED)
    expect(page.locator("#status-title")).to_have_text("We can't ship to that address.")
    expect(page.locator("#status-text")).to_have_text(
        re.compile(
            r"^Your payment of \$\d+\.\d\d was refunded in full and the items we had set "
            r"aside were released\.$"
        )
    )
    expect(step(page, "ShipOrder")).to_have_attribute("data-state", "failed")
    for name in ("ReleaseHold", "RefundPayment"):
        expect(step(page, name)).to_have_attribute("data-state", "undone")
    expect(page.locator("#failure-cause")).to_contain_text("does not ship to BR")
    screenshot(page, "order-address-rejected")


def test_unreachable_card_processor_is_retried_then_undone(stack: Stack, page: Page) -> None:
    # payment answers ServiceUnavailable; three retries with jittered backoff (at most 7 s).
    open_shop(page, stack)
    fill_form(page, card="Card processor that is down")
    place(page)
    expect(step(page, "ChargePayment")).to_have_attribute(
        "data-state", re.compile("active|retrying|failed")
    )
    screenshot(page, "order-retrying")
    expect(page.locator("body")).to_have_attribute("data-order-status", "FAILED", timeout=FINISHED)
    expect(page.locator("#status-title")).to_have_text(re.compile("card processor did not answer"))
    expect(page.locator("#status-text")).to_have_text(
        "Nothing was charged and no items were reserved."
    )
    expect(step(page, "RefundPayment")).to_contain_text("you were not charged")
    expect(step(page, "ChargePayment")).to_contain_text(re.compile(r"Attempt|could not be charged"))
    screenshot(page, "order-processor-down")


def test_form_errors_appear_beside_their_fields(stack: Stack, page: Page) -> None:
    open_shop(page, stack)
    fill_form(page, email="not-an-email")
    page.get_by_label("Quantity").fill("0")
    page.get_by_label("Full name").fill("")
    page.get_by_role("button", name=re.compile("^Place order")).click()

    email_error = page.locator('[data-error-for="customer.email"]')
    expect(email_error).to_contain_text("email")
    expect(page.locator('[data-error-for="items[0].quantity"]')).to_contain_text("1")
    expect(page.locator('[data-error-for="shipping_address.name"]')).not_to_be_empty()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".form-summary")).to_contain_text("Please correct 3 things")
    assert page.url.endswith("/shop")
    screenshot(page, "shop-form-errors")

    # Fixing the fields and sending again places the order; the errors go away.
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Quantity").fill("1")
    page.get_by_label("Full name").fill("Ada Lovelace")
    place(page)


def test_the_form_works_from_the_keyboard(stack: Stack, page: Page) -> None:
    open_shop(page, stack)
    fill_form(page)
    page.get_by_label("Country").focus()
    page.keyboard.press("Tab")  # the first test card
    page.keyboard.press("ArrowDown")  # the next card in the radio group
    expect(page.get_by_label("Card that is declined")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=re.compile("^Place order"))).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(ORDER_URL, timeout=10_000)


def test_an_unknown_order_says_so(stack: Stack, page: Page) -> None:
    page.goto(f"{stack.url('web')}/shop/orders/{uuid.uuid4()}")
    expect(page.locator("#status-title")).to_have_text("We can't find this order.")
    screenshot(page, "order-not-found")
