"""Create the database named by a postgresql:// URL if it does not exist (for `make dev`)."""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit, urlunsplit

import asyncpg


async def ensure_database(url: str) -> None:
    url = url.replace("postgresql+asyncpg://", "postgresql://")
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    connection = await asyncpg.connect(admin)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    finally:
        await connection.close()


if __name__ == "__main__":
    asyncio.run(ensure_database(sys.argv[1]))
