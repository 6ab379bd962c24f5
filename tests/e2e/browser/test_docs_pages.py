"""The OpenAPI pages render with no network: their scripts and styles are served locally."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from devtools.processes import Stack

from .conftest import screenshot


@pytest.mark.parametrize("package", ["web", "orchestrator"])
def test_docs_render_offline(stack: Stack, page: Page, package: str) -> None:
    page.goto(f"{stack.url(package)}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_be_visible(timeout=10_000)
    screenshot(page, f"docs-{package}")
