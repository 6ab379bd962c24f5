"""Settings every service shares; each service subclasses `ServiceSettings` with its own port."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit import pg_url


def async_database_url(url: str) -> str:
    """Accept a plain `postgresql://user@host:port/db` URL, or libpq's multi-host form
    (`postgresql://user@h1:5432,h2:5433/db?target_session_attrs=read-write`), and give
    SQLAlchemy's form of it, naming the asyncpg driver (servicekit.pg_url)."""
    return pg_url.parse(url).sqlalchemy()


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

    database_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/"
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

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        return async_database_url(value)
