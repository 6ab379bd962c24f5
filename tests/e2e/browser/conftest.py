"""Headless Chromium (Debian's `chromium`, driven by Playwright) against the e2e stack.

Every test gets a fresh page at 1280x900; `screenshot(page, name)` saves what the page shows to
the artifacts directory (`SCREENSHOT_DIR`, default `tests/artifacts/screenshots`), so a person can
look at every page a run saw."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devtools.processes import Stack

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).parents[2] / "artifacts" / "screenshots")
)

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - playwright is a dev dependency
    sync_playwright = None  # type: ignore[assignment]


@pytest.fixture(scope="package")
def browser(stack: Stack) -> Iterator[Browser]:
    # Playwright's sync API marks its own event loop as running in this thread for as long as it
    # lives, so the stack (which sets up with asyncio.run) must be up first and go down after.
    if sync_playwright is None:
        pytest.skip("playwright is not installed (make install adds it)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def console_cookies(stack: Stack) -> list[dict[str, Any]]:
    """A console session, signed in once with the stack's API token (the sign-in page itself
    is tested in test_console_sign_in.py), as cookies for a browser context."""
    answer = httpx.post(
        f"{stack.url('orchestrator')}/console/session", json={"token": stack.api_token}
    )
    assert answer.status_code == 204, answer.text
    return [
        {"name": cookie.name, "value": cookie.value or "", "url": stack.url("orchestrator")}
        for cookie in answer.cookies.jar
    ]


def _new_page(browser: Browser, cookies: list[dict[str, Any]]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if cookies:
        context.add_cookies(cookies)  # type: ignore[arg-type]
    opened = context.new_page()
    # Everything must come from the project itself: a request to anywhere else fails the test.
    outside: list[str] = []
    opened.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith(
                ("http://127.0.0.1", "http://localhost", "data:", "blob:")
            )
            else None
        ),
    )
    yield opened
    context.close()
    assert not outside, f"the page asked for assets outside the project: {outside}"


@pytest.fixture
def page(browser: Browser, console_cookies: list[dict[str, Any]]) -> Iterator[Page]:
    """A page of a browser signed in to the console."""
    yield from _new_page(browser, console_cookies)


@pytest.fixture
def anonymous_page(browser: Browser) -> Iterator[Page]:
    """A page of a browser that has never signed in."""
    yield from _new_page(browser, [])


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
