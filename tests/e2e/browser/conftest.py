"""Headless Chromium (Debian's `chromium`, driven by Playwright) against the e2e stack.

Every test gets a fresh page at 1280x900; `screenshot(page, name)` saves what the page shows to
the artifacts directory (`SCREENSHOT_DIR`, default `tests/artifacts/screenshots`), so a person can
look at every page a run saw."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
