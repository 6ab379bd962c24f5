"""The body of every service's Alembic `env.py`: online migrations into the service's schema.

A Postgres advisory lock serializes concurrent starts (three orchestrators booting at once)."""

from __future__ import annotations

import asyncio
import zlib

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def run_migrations(target_metadata: MetaData | None) -> None:
    config = context.config
    schema: str = config.attributes["schema"]
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    asyncio.run(_run_async(url, schema, target_metadata))


async def _run_async(url: str, schema: str, target_metadata: MetaData | None) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync, schema, target_metadata)
    finally:
        await engine.dispose()


def _run_sync(connection: Connection, schema: str, target_metadata: MetaData | None) -> None:
    lock_key = zlib.crc32(f"migrations:{schema}".encode())
    connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key})
    try:
        _create_schema_if_missing(connection, schema)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table_schema=schema,
            include_schemas=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
        connection.commit()


def _create_schema_if_missing(connection: Connection, schema: str) -> None:
    """A service's own role (scripts/provision.py) owns its schema but may not create schemas:
    even `CREATE SCHEMA IF NOT EXISTS` needs that right, so ask first."""
    exists = connection.execute(
        text("SELECT 1 FROM pg_namespace WHERE nspname = :schema"), {"schema": schema}
    ).scalar()
    if not exists:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    connection.commit()
