"""Database connections and migrations (Alembic), one schema per service."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from servicekit.settings import async_database_url

log = logging.getLogger(__name__)


def create_engine(database_url: str, pool_size: int = 10) -> AsyncEngine:
    # No pool_pre_ping: it costs a round trip on every checkout of a healthy pool. A connection
    # a Postgres restart killed fails its first statement as "invalidated" instead, which
    # servicekit.transient counts as transient, so the work is retried on a fresh connection.
    return create_async_engine(
        async_database_url(database_url), pool_size=pool_size, max_overflow=10
    )


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
