"""The connections a service holds for its lifetime, opened in its lifespan."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.amqp import Broker
from servicekit.db import create_engine, session_factory, upgrade_schema
from servicekit.pg import open_pool
from servicekit.settings import ServiceSettings
from servicekit.startup import Startup

log = logging.getLogger(__name__)


@dataclass
class Resources:
    engine: AsyncEngine  # HTTP reads (SQLAlchemy)
    sessions: async_sessionmaker[AsyncSession]
    pool: asyncpg.Pool  # commands and their effects (asyncpg, servicekit.pg)
    broker: Broker

    @classmethod
    async def open(
        cls,
        settings: ServiceSettings,
        startup: Startup,
        *,
        migrations_dir: Path,
        schema: str,
    ) -> Resources:
        """Migrate the service's schema, then connect to Postgres and RabbitMQ, each retried
        until it answers (servicekit.startup)."""
        engine, pool = await startup.attempt(
            "database", lambda: _open_database(settings, migrations_dir, schema)
        )
        try:
            broker = await startup.attempt("broker", lambda: _open_broker(settings))
        except BaseException:
            await pool.close()
            await engine.dispose()
            raise
        return cls(engine, session_factory(engine), pool, broker)

    async def close(self) -> None:
        await self.broker.close()
        await self.pool.close()
        await self.engine.dispose()

    async def health(self) -> dict[str, str]:
        """'ok' or the reason, for each dependency."""
        status = {"database": "ok", "broker": "ok"}
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any failure means unhealthy; say which
            status["database"] = f"unavailable: {type(exc).__name__}"
        if not self.broker.is_connected:
            status["broker"] = "unavailable: not connected"
        return status


async def _open_database(
    settings: ServiceSettings, migrations_dir: Path, schema: str
) -> tuple[AsyncEngine, asyncpg.Pool]:
    await upgrade_schema(settings.database_url, migrations_dir, schema)
    # HTTP reads only: the hot path has its own pool below.
    engine = create_engine(settings.database_url, pool_size=5)
    try:
        pool = await open_pool(settings.database_url, settings.database_pool_size)
    except BaseException:
        await engine.dispose()
        raise
    return engine, pool


async def _open_broker(settings: ServiceSettings) -> Broker:
    broker = Broker(settings.amqp_url, prefetch=settings.prefetch)
    try:
        await broker.connect()
    except BaseException:
        await broker.close()
        raise
    return broker
