"""The shop's pages and their assets, served by web itself."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api_token import API_TOKEN
from tests.unit.web.fakes import FakeCatalog, FakeOrchestrator
from web.app import create_app
from web.settings import WebSettings


@pytest.mark.parametrize("path", ["/", "/shop"])
async def test_shop_page_has_the_order_form(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'id="order-form"' in page
    for name in ("customer.email", "shipping_address.country", "payment.token"):
        assert f'name="{name}"' in page
    # The test cards payment accepts and declines are offered; Brazil is one the store refuses.
    for token in ("tok_visa", "tok_chargeDeclined", "tok_transientError"):
        assert f'value="{token}"' in page
    assert '<option value="BR">' in page


def test_every_input_on_the_shop_page_has_a_label() -> None:
    from web.pages import PAGES

    page = (PAGES / "shop.html").read_text()
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert ids
    for input_id in ids:
        labelled = f'for="{input_id}"' in page or re.search(
            rf'<label class="choice">\s*<input[^>]*id="{input_id}"', page
        )
        assert labelled, f"#{input_id} has no label"


async def test_order_page_links_to_the_console_from_settings(
    orchestrator: FakeOrchestrator, catalog: FakeCatalog
) -> None:
    settings = WebSettings(
        orchestrator_url="http://orchestrator:8001",
        console_url="http://localhost:8001/console/",
        api_token=API_TOKEN,
    )
    app = create_app(settings, orchestrator=orchestrator, catalog=catalog)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web") as http:
        response = await http.get("/shop/orders/3f1c2a9e-8d0b-4f7e-9a51-0c2d7e6b1a44")
    assert response.status_code == 200
    assert '<meta name="console-url" content="http://localhost:8001/console">' in response.text
    assert "{{" not in response.text


def test_console_url_defaults_to_the_orchestrators() -> None:
    settings = WebSettings(_env_file=None, orchestrator_url="http://127.0.0.1:9001/")
    assert settings.console_url == "http://127.0.0.1:9001/console"


def test_console_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_URL", "https://ops.example.com/console")
    assert WebSettings(_env_file=None).console_url == "https://ops.example.com/console"


@pytest.mark.parametrize(
    ("asset", "kind"),
    [
        ("shop.css", "text/css"),
        ("shop.js", "javascript"),
        ("order.js", "javascript"),
        ("tracker.js", "javascript"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
async def test_assets_are_served_locally(client: httpx.AsyncClient, asset: str, kind: str) -> None:
    response = await client.get(f"/shop/assets/{asset}")
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


async def test_pages_fetch_nothing_from_outside(client: httpx.AsyncClient) -> None:
    for path in ("/shop", "/shop/orders/x"):
        page = (await client.get(path)).text
        # Scripts, styles and icons; the console link is a link a person follows, not an asset.
        assert not re.search(r'(?:src="|<link[^>]*href=")(?:https?:)?//', page), path


async def test_pages_are_not_in_the_api_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/shop" not in paths and "/" not in paths
