"""A service's own Postgres role: it logs in, owns its schema (and what is in it), and nothing
more. Idempotent: creating it again sets the password and takes over what an earlier setup (the
administrator, before roles existed) created in the schema."""

from __future__ import annotations

import asyncpg

# Relations ALTER TABLE can give away: tables, partitioned tables, views, materialized views,
# foreign tables. A sequence that belongs to a column follows its table.
_RELATIONS = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
"""
_FREE_SEQUENCES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind = 'S'
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
"""


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


async def ensure_role(
    connection: asyncpg.Connection, role: str, password: str, schema: str
) -> None:
    """Run as the administrator, connected to the service's database."""
    exists = await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    verb = "ALTER" if exists else "CREATE"
    await connection.execute(
        f"{verb} ROLE {identifier(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
        f"NOREPLICATION PASSWORD {literal(password)}"
    )
    owner, name = identifier(role), identifier(schema)
    await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {name} AUTHORIZATION {owner}")
    await connection.execute(f"ALTER SCHEMA {name} OWNER TO {owner}")
    for relation in await connection.fetch(_RELATIONS, schema, role):
        await connection.execute(f"ALTER TABLE {name}.{identifier(relation[0])} OWNER TO {owner}")
    for sequence in await connection.fetch(_FREE_SEQUENCES, schema, role):
        await connection.execute(
            f"ALTER SEQUENCE {name}.{identifier(sequence[0])} OWNER TO {owner}"
        )


async def drop_role(connection: asyncpg.Connection, role: str) -> None:
    """Drop `role` and everything it owns in this database (the tests' cleanup)."""
    if await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        await connection.execute(f"DROP OWNED BY {identifier(role)} CASCADE")
        await connection.execute(f"DROP ROLE {identifier(role)}")
