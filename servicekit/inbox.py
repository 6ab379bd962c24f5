"""The idempotent consumer: a command's reply is recorded in the same transaction as its effect.

A redelivered command (same task token) finds its inbox row and gets the recorded reply back; the
effect is not repeated. Two deliveries racing each other are serialized by the row's primary key:
the second waits for the first to commit, then reads what it recorded.

A command type may also offer a plan (`OneStatement`): its whole effect as one SQL statement,
built from the command alone. The worker appends the inbox row to that statement, so the usual
command costs one round trip (a charge, a shipment, a hold: each statement writes all of its
effect or nothing) instead of one per step of its handler (six to nine); a plan whose CTEs might
do part of the effect asks for BEGIN and COMMIT around it (three).
Whenever the statement did less than all of it (a redelivery, a race, an order handled before,
stock that runs short), it is rolled back whole and the handler, which knows every case,
decides.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aio_pika.abc import AbstractIncomingMessage
from prometheus_client import Counter
from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit import tracing
from servicekit.amqp import Broker
from servicekit.logs import bind
from servicekit.messages import REPLY_EXCHANGE_HEADER, Command, TaskReply
from servicekit.transient import describe, is_transient

log = logging.getLogger(__name__)

COMMANDS_HANDLED = Counter(
    "service_commands_total", "Commands handled, by type and reply status", ["type", "status"]
)
DUPLICATES = Counter(
    "service_duplicate_commands_total", "Redelivered commands answered from the inbox"
)

ONE_STATEMENT = Counter(
    "service_one_statement_commands_total",
    "Commands offered as one statement, by outcome: done, or fell back to the handler",
    ["type", "outcome"],
)

# A handler runs inside the command's transaction, on its connection (servicekit.pg's pool).
Dispatch = Callable[[asyncpg.Connection, Command], Awaitable[TaskReply]]


@dataclass(frozen=True)
class OneStatement:
    """A command's whole effect as one statement, for the case that is usual by far.

    `ctes` is a WITH list (`name AS (...), ...`) over the parameters $1..$len(args); `done` is
    an SQL condition over those names that holds only when they did all of the effect. The
    worker adds the inbox row as the statement's last part, under `done`, and commits only if
    that row went in; anything less is rolled back whole (by the worker's transaction, or by the
    statement failing on the inbox row). `reply` is what the command answers when it commits,
    and `after_commit` says so in the log.
    """

    ctes: str
    done: str
    args: tuple[Any, ...]
    reply: TaskReply
    after_commit: Callable[[], None] | None = None
    # False when the CTEs write nothing at all unless `done` holds (one INSERT ... ON CONFLICT DO
    # NOTHING, say, or a hold that claims and takes only once it has seen every line covered):
    # then the statement is atomic on its own and needs no BEGIN and COMMIT. True when they may
    # do part of the effect (a plan that takes some lines before it finds one short, say),
    # which the worker's transaction then rolls back.
    needs_transaction: bool = True

    @classmethod
    def insert(
        cls,
        statement: str,
        args: tuple[Any, ...],
        reply: TaskReply,
        after_commit: Callable[[], None] | None = None,
    ) -> OneStatement:
        """A plan whose whole effect is one `INSERT ... ON CONFLICT DO NOTHING RETURNING ...`:
        done when it returned its row. It writes that row or nothing, so it needs no
        transaction of its own."""
        return cls(
            ctes=f"effect AS ({statement})",
            done="EXISTS (SELECT FROM effect)",
            args=args,
            reply=reply,
            after_commit=after_commit,
            needs_transaction=False,
        )


# A command's plan, or None when its handler must decide (a body that does not parse, a rule that
# refuses it, a command type without a plan).
Plan = Callable[[Command], OneStatement | None]


def no_plan(command: Command) -> OneStatement | None:
    return None


class _FellShort(Exception):
    """Raised inside the plan's transaction to roll it back."""


class CommandRejected(Exception):
    """Raised by a handler for a command it will not perform; becomes a FAILED reply."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


def bind_command(
    command: Command, headers: Mapping[str, Any] | None
) -> AbstractContextManager[None]:
    """Log lines while handling `command` name its execution, order and state."""
    order_id = command.body.get("order_id")
    state_name = (headers or {}).get("state-name")
    return bind(
        execution_id=command.correlation_id,
        order_id=order_id if isinstance(order_id, str) else None,
        state_name=state_name if isinstance(state_name, str) else None,
    )


def reply_exchange(headers: Mapping[str, Any] | None) -> str:
    """Where the command asks for its reply: the orchestrator names an exchange that routes to
    its result queue (a service's user may write there, not to the default exchange); a sender
    that names none gets its reply through the default exchange."""
    exchange = (headers or {}).get(REPLY_EXCHANGE_HEADER, "")
    return exchange if isinstance(exchange, str) else ""


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "inbox",
        metadata,
        Column("message_id", String, primary_key=True),
        Column("command_type", String, nullable=False),
        Column("reply", JSONB),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


async def prune_inbox(
    sessions: async_sessionmaker[AsyncSession], inbox: Table, older_than: timedelta
) -> int:
    """Forget replies older than `older_than`. By then no redelivery of their command can come
    (the orchestrator closed those attempts long ago), and the business records stay."""
    cutoff = datetime.now(UTC) - older_than
    async with sessions() as session, session.begin():
        result = await session.execute(delete(inbox).where(inbox.c.received_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


class CommandWorker:
    """Turns command messages into replies, exactly once per task token."""

    def __init__(
        self,
        broker: Broker,
        pool: asyncpg.Pool,
        inbox: Table,
        dispatch: Dispatch,
        plan: Plan = no_plan,
    ) -> None:
        self._broker = broker
        self._pool = pool
        self._dispatch = dispatch
        self._plan = plan
        table = f"{inbox.schema}.{inbox.name}" if inbox.schema else inbox.name
        self._table = table
        self._claim_sql = (
            f"INSERT INTO {table} (message_id, command_type, reply) VALUES ($1, $2, $3::jsonb) "
            "ON CONFLICT DO NOTHING RETURNING message_id"
        )
        self._record_sql = f"UPDATE {table} SET reply = $2::jsonb WHERE message_id = $1"
        self._replay_sql = f"SELECT reply FROM {table} WHERE message_id = $1"

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        command = Command.from_amqp(
            message.body, message.message_id, message.reply_to, message.correlation_id
        )
        with bind_command(command, message.headers), tracing.span(command.type):
            await self._handle(command, reply_exchange(message.headers))

    async def _handle(self, command: Command, exchange: str) -> None:
        reply = await self.process(command)
        # Published after commit: a crash here redelivers the command, which replays the reply.
        await self._broker.publish(
            command.reply_to,
            reply.to_json(),
            message_id=f"reply:{command.task_token}",
            correlation_id=command.correlation_id,
            exchange=exchange,
        )

    async def process(self, command: Command) -> TaskReply:
        plan = self._plan(command)
        if plan is not None and await self._run_plan(command, plan):
            COMMANDS_HANDLED.labels(command.type, plan.reply.status).inc()
            if plan.after_commit is not None:
                plan.after_commit()
            return plan.reply
        return await self._run_handler(command)

    async def _run_plan(self, command: Command, plan: OneStatement) -> bool:
        """Run the plan's statement with the inbox row; True if it committed, False if it did
        nothing (rolled back)."""
        first = len(plan.args) + 1
        # No ON CONFLICT on the inbox row: when this token's row is there already (a
        # redelivery), the statement fails, and whatever its CTEs did goes with it.
        statement = (
            f"WITH {plan.ctes} "
            f"INSERT INTO {self._table} (message_id, command_type, reply) "
            f"SELECT ${first}::text, ${first + 1}::text, ${first + 2}::jsonb WHERE {plan.done} "
            "RETURNING message_id"
        )
        args = (*plan.args, command.task_token, command.type, plan.reply.to_json())
        try:
            async with self._pool.acquire() as connection:
                if not plan.needs_transaction:
                    claimed = await connection.fetchval(statement, *args)
                else:
                    async with connection.transaction():
                        claimed = await connection.fetchval(statement, *args)
                        if claimed is None:
                            raise _FellShort
        except (_FellShort, asyncpg.UniqueViolationError):
            claimed = None
        except asyncpg.PostgresError as exc:
            if is_transient(exc):
                raise
            # A statement Postgres refuses (a constraint the plan did not foresee) is not the
            # command's fault: the handler decides it, as it would without a plan.
            log.warning(
                "the plan of %s failed (%s); running its handler", command.type, describe(exc)
            )
            claimed = None
        ONE_STATEMENT.labels(command.type, "fell_back" if claimed is None else "done").inc()
        return claimed is not None

    async def _run_handler(self, command: Command) -> TaskReply:
        try:
            # A refusal (CommandRejected, raised only by the handler) leaves this block with an
            # error, which rolls back whatever the handler did and the claim; it is recorded on
            # its own below. Refusals are rare, so the usual path needs no savepoint.
            async with self._pool.acquire() as connection, connection.transaction():
                if not await self._claim(connection, command):
                    return await self._replay(connection, command)
                reply = await self._dispatch(connection, command)
                await connection.execute(self._record_sql, command.task_token, reply.to_json())
        except CommandRejected as refused:
            reply = TaskReply.failed(command.task_token, refused.error, refused.cause)
            async with self._pool.acquire() as connection, connection.transaction():
                if not await self._claim(connection, command, reply):
                    return await self._replay(connection, command)
        COMMANDS_HANDLED.labels(command.type, reply.status).inc()
        return reply

    async def _claim(
        self, connection: asyncpg.Connection, command: Command, reply: TaskReply | None = None
    ) -> bool:
        """Insert the command's inbox row (with its reply, when already known); False if a
        delivery of the same command got there first. A racing delivery waits here, on the
        row's primary key, until the first one commits."""
        recorded = None if reply is None else reply.to_json()
        claimed = await connection.fetchval(
            self._claim_sql, command.task_token, command.type, recorded
        )
        return claimed is not None

    async def _replay(self, connection: asyncpg.Connection, command: Command) -> TaskReply:
        """The reply recorded for a command handled before."""
        recorded = await connection.fetchval(self._replay_sql, command.task_token)
        if recorded is None:  # cannot happen: the reply commits with the claim
            raise RuntimeError(f"inbox row {command.task_token} has no reply")
        DUPLICATES.inc()
        # Never the token: it is the capability to complete the task.
        log.info("%s was handled before; replaying its reply", command.type)
        return TaskReply.from_json(recorded)
