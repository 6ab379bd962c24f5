"""The hot paths' own connection pool: asyncpg, with no ORM in between.

The orchestrator's transitions and every service's commands go through a handful of fixed
statements. asyncpg prepares each once per connection and caches it, so a transaction costs its
round trips and nothing else: no statement building, compiling or cache-key work per call. Run
through SQLAlchemy, a service's command transaction cost 2.9 ms of CPU; on this pool, 0.7 ms
(same statements, measured side by side). HTTP reads and migrations still use SQLAlchemy
(servicekit.db); they are not on the path of an order.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg

from servicekit import pg_url
from servicekit.json_text import compact_json

T = TypeVar("T")

# How the planner should treat these connections' statements, all of which reach their rows by
# key (a token, an execution id, an order id, ANY of a batch's ids, a join on an unnest() of
# them). On a table that is still small but growing (a new deployment's first hours, every test
# and benchmark database) the statistics lag behind, and Postgres scanned the whole table
# instead: the orchestrator's reply statement spent 4.8 of its 6.7 ms scanning 3,000 task tokens
# for `token = ANY(...)`, and its lock query and the executions' update scanned every
# execution (auto_explain). A seq scan off (priced out, still taken where no index serves) and
# a random page priced as the cached read it is (1.1, the usual value for SSDs) keep them on the
# indexes whatever the statistics say; Postgres' CPU per execution fell by about 40%.
PLANNER_SETTINGS = {"random_page_cost": "1.1", "enable_seqscan": "off"}


class _Connection(asyncpg.Connection):
    def get_reset_query(self) -> str:
        # The pool would send RESET ALL / UNLISTEN / advisory unlocks on every release: a round
        # trip per transaction for session state this code never sets.
        return ""

    # asyncpg can leave a connection's protocol stuck mid-operation when the server goes away at
    # the wrong moment (MagicStack/asyncpg#784, #1069): every later query on it fails with
    # "cannot switch to state 12; another operation (2) is in progress", and with no reset query
    # (above) the pool would hand it out again forever. Both ways a query goes are watched: the
    # extended protocol (_execute: fetch, fetchrow, execute with arguments) and the simple one
    # (execute without: BEGIN, COMMIT). Closing the connection makes the pool open a fresh one;
    # the caller retries (servicekit.transient counts the error as transient).

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._closed_if_stuck(super()._execute(*args, **kwargs))

    async def execute(self, query: str, *args: Any, timeout: float | None = None) -> str:
        return await self._closed_if_stuck(super().execute(query, *args, timeout=timeout))

    async def _closed_if_stuck(self, operation: Awaitable[T]) -> T:
        try:
            return await operation
        except asyncpg.InternalClientError:
            if not self.is_closed():
                self.terminate()
            raise


async def _init_connection(connection: asyncpg.Connection) -> None:
    # JSONB in and out as Python values (arrays of jsonb follow the element codec).
    await connection.set_type_codec(
        "jsonb", encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


def _dumps(value: Any) -> str:
    return compact_json(value)


def asyncpg_dsn(database_url: str) -> str:
    """A postgresql:// DSN for asyncpg from any URL form the settings accept (several hosts:
    libpq's `h1:5432,h2:5433` form, which asyncpg tries in turn, honouring
    `target_session_attrs`)."""
    return pg_url.parse(database_url).libpq()


async def open_pool(database_url: str, size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        asyncpg_dsn(database_url),
        min_size=1,
        max_size=size,
        init=_init_connection,
        connection_class=_Connection,
        server_settings=PLANNER_SETTINGS,
    )
    assert pool is not None
    return pool
