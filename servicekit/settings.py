"""Settings every service shares; each service subclasses `ServiceSettings` with its own port."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit import pg_url


def async_database_url(url: str) -> str:
    """Accept a plain `postgresql://user@host:port/db` URL, or libpq's multi-host form
    (`postgresql://user@h1:5432,h2:5433/db?target_session_attrs=read-write`), and give
    SQLAlchemy's form of it, naming the asyncpg driver (servicekit.pg_url)."""
    return pg_url.parse(url).sqlalchemy()


DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def own_or_shared(service: str, variable: str, default: str) -> Any:
    """A field read from `<SERVICE>_<VARIABLE>` (the service's own credentials, which
    scripts/provision.py writes into `.env`), else from `<VARIABLE>`. Within one source the own
    name wins; across sources the usual order holds (arguments, then the environment, then
    `.env`), so a URL a test or compose sets in the environment beats the ones in `.env`."""
    name = f"{service}_{variable}"
    return Field(default, validation_alias=AliasChoices(name, variable, variable.lower()))


class ApiTokenSetting(BaseSettings):
    """API_TOKEN: the secret every request outside a service's public routes must bear
    (servicekit.auth). Optional here so that settings load; a service will not start without
    it (servicekit.auth.require_token says how to make one)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    api_token: SecretStr | None = None

    def api_token_value(self) -> str | None:
        return self.api_token.get_secret_value() if self.api_token is not None else None


class ServiceSettings(ApiTokenSetting):
    """Configuration from the environment (and `.env` when present)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    amqp_url: str = DEFAULT_AMQP_URL
    http_host: str = "0.0.0.0"
    log_level: str = "INFO"
    # Messages a consumer may hold unacknowledged at once.
    prefetch: int = 32
    # Connections of the hot path's own pool (asyncpg: commands, transitions), beside the
    # SQLAlchemy pool of the HTTP reads. A service's command transactions take a few ms, so five
    # keep up with its one process; every connection counts against Postgres' max_connections.
    database_pool_size: int = 5
    # Replies recorded in a service's inbox are kept this long, then forgotten.
    inbox_retention_days: float = 7.0
    # The largest request body accepted (413 beyond it): the services' own requests are small.
    max_body_bytes: int = 64 * 1024

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        return async_database_url(value)
