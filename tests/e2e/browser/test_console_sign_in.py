"""Signing in to the console in Chromium: a page asked for without a session leads to the
sign-in page, a wrong token is refused beside its field, the right one leads back to the page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from devtools.processes import Stack

from .conftest import screenshot


def test_sign_in_then_back_to_the_page_asked_for(stack: Stack, anonymous_page: Page) -> None:
    page = anonymous_page
    base = stack.url("orchestrator")
    page.goto(f"{base}/console?status=FAILED")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    token = page.locator("#token")
    expect(token).to_be_focused()

    token.fill("not-the-token-" + "z" * 30)
    token.press("Enter")  # the keyboard is enough
    expect(page.locator("#token-error")).to_have_text("That is not the API token.")
    screenshot(page, "console-sign-in-refused")

    token.fill(stack.api_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/console?status=FAILED")
    expect(page.locator("h1")).to_contain_text("Executions")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["stepwise_session"]["httpOnly"] is True
    assert cookies["stepwise_session"]["sameSite"] == "Strict"

    page.get_by_role("link", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.goto(f"{base}/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next=%2Fconsole"))


def test_sign_in_does_not_lead_off_the_console(stack: Stack, anonymous_page: Page) -> None:
    page = anonymous_page
    base = stack.url("orchestrator")
    page.goto(f"{base}/console/sign-in?next=https%3A%2F%2Fevil.example%2F")
    page.locator("#token").fill(stack.api_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/console")
