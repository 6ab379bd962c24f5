"""Web's configuration, from the environment. Web is stateless: no database, no broker."""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ApiTokenSetting


class WebSettings(ApiTokenSetting):
    """Read from `WEB_PORT`, `ORCHESTRATOR_URL`, `INVENTORY_URL`, ... (and `.env` when present)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    port: int = Field(8000, validation_alias="WEB_PORT")
    orchestrator_url: str = "http://127.0.0.1:8001"
    inventory_url: str = "http://127.0.0.1:8003"
    # Where a browser finds the orchestrator's console (the shop's order page links to it). Not
    # always ORCHESTRATOR_URL's host: in compose web reaches http://orchestrator:8001, a browser
    # http://localhost:8001. Empty: ORCHESTRATOR_URL + "/console".
    console_url: str = ""
    http_host: str = "0.0.0.0"
    log_level: str = "INFO"
    # How long one call to the orchestrator or inventory may take before web answers 503.
    upstream_timeout_seconds: float = 5.0
    # How long a sku's price and name are reused when pricing orders (0: ask inventory each time).
    catalog_cache_seconds: float = 5.0
    # The largest request body accepted (413 beyond it).
    max_body_bytes: int = 64 * 1024

    @model_validator(mode="after")
    def _console_beside_orchestrator(self) -> WebSettings:
        base = self.console_url or self.orchestrator_url.rstrip("/") + "/console"
        self.console_url = base.rstrip("/")
        return self
