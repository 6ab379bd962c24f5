"""Database connections and migrations (Alembic), one schema per service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from servicekit.settings import async_database_url

log = logging.getLogger(__name__)


def create_engine(database_url: str, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        async_database_url(database_url), pool_size=pool_size, max_overflow=10
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    return engine


def _refuse_closed_connection(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Replace a pooled connection the server has closed (a restart, a terminated backend).

    This stands in for pool_pre_ping, which costs three round trips (BEGIN, SELECT, ROLLBACK)
    on every checkout of a healthy pool. asyncpg notices the server closing its socket on its
    own, so asking it is free; a connection that dies in the instant after checkout fails its
    first statement as "invalidated", which servicekit.transient retries."""
    raw = getattr(dbapi_connection, "_connection", None)
    if raw is not None and raw.is_closed():
        raise DisconnectionError("the server closed this connection")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(database_url: str, migrations_dir: Path, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", async_database_url(database_url).replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


async def upgrade_schema(database_url: str, migrations_dir: Path, schema: str) -> None:
    """Bring `schema` to the newest revision. Safe to run from several processes at once."""
    config = alembic_config(database_url, migrations_dir, schema)
    # Alembic's async env runs its own event loop: give it a thread of its own.
    await asyncio.to_thread(command.upgrade, config, "head")
    log.info("schema %s is at head", schema)
