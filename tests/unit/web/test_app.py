"""Settings from the environment, and the lifespan that opens the real clients."""

from __future__ import annotations

import pytest

from tests.api_token import API_TOKEN
from web.app import create_app
from web.catalog_cache import CachedCatalog
from web.orchestrator import OrchestratorClient
from web.settings import WebSettings


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_PORT", "8123")
    monkeypatch.setenv("ORCHESTRATOR_URL", "http://orchestrator:9001")
    monkeypatch.setenv("INVENTORY_URL", "http://inventory:9003")
    settings = WebSettings()
    assert settings.port == 8123
    assert settings.orchestrator_url == "http://orchestrator:9001"
    assert settings.inventory_url == "http://inventory:9003"


def test_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEB_PORT", "ORCHESTRATOR_URL", "INVENTORY_URL", "HTTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = WebSettings(_env_file=None)
    assert (settings.port, settings.http_host) == (8000, "0.0.0.0")
    assert settings.orchestrator_url == "http://127.0.0.1:8001"
    assert settings.inventory_url == "http://127.0.0.1:8003"
    assert settings.max_body_bytes == 64 * 1024


async def test_lifespan_opens_the_clients_and_health_reports_them_down() -> None:
    # Port 9 (discard) on localhost: nothing answers, so both upstreams are unavailable.
    settings = WebSettings(
        orchestrator_url="http://127.0.0.1:9",
        inventory_url="http://127.0.0.1:9",
        api_token=API_TOKEN,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert isinstance(app.state.orchestrator, OrchestratorClient)
        assert isinstance(app.state.catalog, CachedCatalog)  # over a CatalogClient
        health = await app.state.resources.health()
    assert set(health) == {"orchestrator", "inventory"}
    assert all(value.startswith("unavailable") for value in health.values())
