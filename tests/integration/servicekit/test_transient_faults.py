"""A handler that fails on a transient fault keeps its message and tries again in place; any
other failure requeues it, and each requeue counts towards the queue's delivery limit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aio_pika.abc import AbstractIncomingMessage
from sqlalchemy.exc import DBAPIError

from servicekit.amqp import Broker
from servicekit.pg import open_pool
from servicekit.transient import is_transient

pytestmark = pytest.mark.integration


async def deliveries_until_handled(broker: Broker, fault: Exception) -> list[bool]:
    """Consume one message whose handler raises `fault` twice, then succeeds; the message's
    `redelivered` flag at each call."""
    queue = f"transient.{uuid.uuid4().hex[:8]}"
    seen: list[bool] = []
    done = asyncio.Event()

    async def handler(message: AbstractIncomingMessage) -> None:
        seen.append(bool(message.redelivered))
        if len(seen) <= 2:
            raise fault
        done.set()

    await broker.consume(queue, handler)
    await broker.publish(queue, {"n": 1})
    await asyncio.wait_for(done.wait(), timeout=15)
    return seen


async def test_a_transient_fault_is_retried_without_a_redelivery(broker: Broker) -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    assert await deliveries_until_handled(broker, refused) == [False, False, False]


async def test_any_other_fault_requeues_the_message(broker: Broker) -> None:
    assert await deliveries_until_handled(broker, ValueError("a bug")) == [False, True, True]


def test_what_counts_as_transient() -> None:
    restarting = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    wrapped = DBAPIError("SELECT 1", None, restarting)
    wrapped.__cause__ = restarting
    deadlock = asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
    assert is_transient(wrapped)
    assert is_transient(deadlock)
    assert is_transient(TimeoutError())
    # A failover under way: a standby (or a demoted primary) refuses writes, or no host of a
    # multi-host URL is a primary yet.
    assert is_transient(asyncpg.exceptions.ReadOnlySQLTransactionError("read-only transaction"))
    assert is_transient(asyncpg.exceptions.TargetServerAttributeNotMatched("no primary"))
    assert not is_transient(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not is_transient(ValueError("a bug"))
    assert not is_transient(FileNotFoundError("no such file"))
    try:
        try:
            raise ConnectionResetError()
        except ConnectionResetError:
            raise KeyError("a bug while handling it") from None
    except KeyError as bug:
        assert not is_transient(bug)


def test_asyncpg_errors_raised_while_it_handles_a_fault_count_as_that_fault() -> None:
    # A connection whose protocol asyncpg left mid-operation (servicekit.pg closes it).
    assert is_transient(asyncpg.exceptions.InternalClientError("cannot switch to state 12"))
    # A transaction's rollback on a connection the server closed raises InterfaceError while
    # the driver handles the real fault.
    closed = asyncpg.exceptions.InterfaceError("the underlying connection is closed")
    closed.__context__ = asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
    assert is_transient(closed)
    misuse = asyncpg.exceptions.InterfaceError("another operation is in progress")
    assert not is_transient(misuse)
    misuse.__context__ = ValueError("a bug")
    assert not is_transient(misuse)


async def _select_one(connection: asyncpg.Connection) -> None:
    await connection.fetchval("SELECT 1")  # Connection._execute: the extended protocol


async def _in_a_transaction(connection: asyncpg.Connection) -> None:
    async with connection.transaction():  # BEGIN: Connection.execute, the simple protocol
        await connection.fetchval("SELECT 1")


@pytest.mark.parametrize(
    ("stuck_method", "use"), [("_execute", _select_one), ("execute", _in_a_transaction)]
)
async def test_a_connection_left_mid_operation_is_replaced_not_reused(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    stuck_method: str,
    use: Callable[[asyncpg.Connection], Awaitable[None]],
) -> None:
    """asyncpg#784/#1069: a connection whose protocol is stuck fails every query with
    InternalClientError, whichever way the query goes; the pool must not hand it out again."""
    pool = await open_pool(database_url, size=1)
    try:
        async with pool.acquire() as connection:
            first_pid = await connection.fetchval("SELECT pg_backend_pid()")
        real = getattr(asyncpg.Connection, stuck_method)
        stuck = asyncpg.exceptions.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        )

        async def fails_once(self: asyncpg.Connection, *args: object, **kwargs: object) -> object:
            monkeypatch.setattr(asyncpg.Connection, stuck_method, real)
            raise stuck

        monkeypatch.setattr(asyncpg.Connection, stuck_method, fails_once)
        with pytest.raises(asyncpg.exceptions.InternalClientError) as raised:
            async with pool.acquire() as connection:
                await use(connection)
        assert is_transient(raised.value)
        async with pool.acquire() as connection:
            assert await connection.fetchval("SELECT 1") == 1
            assert await connection.fetchval("SELECT pg_backend_pid()") != first_pid
    finally:
        await pool.close()
