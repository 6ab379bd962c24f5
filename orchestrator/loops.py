"""The orchestrator's consumers: replies from the result queue, and due timers from Postgres."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import asyncpg
from aio_pika.abc import AbstractIncomingMessage

from orchestrator import statements
from orchestrator.errors import InvalidToken, ReplyFromWrongSender, TaskTimedOut
from orchestrator.service import Orchestrator
from servicekit.messages import PoisonMessage, TaskReply, decode_json_object
from servicekit.transient import log_failure

log = logging.getLogger(__name__)

TIMER_BATCH = 100
# As the control API's whole body (a task's output is at most 256 KiB of it): a bigger reply is
# dead-lettered unread.
MAX_REPLY_BYTES = 1024 * 1024


class ResultConsumer:
    """Applies replies from `orchestrator.results`; acked (by the Broker) only after commit."""

    def __init__(self, orchestrator: Orchestrator) -> None:
        self._orchestrator = orchestrator

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        if len(message.body) > MAX_REPLY_BYTES:
            raise PoisonMessage(
                f"a reply is at most {MAX_REPLY_BYTES} bytes, not {len(message.body)}"
            )
        reply = TaskReply.from_json(decode_json_object(message.body))
        try:
            await self._orchestrator.deliver_reply(reply, via="amqp", sender=message.user_id)
        except InvalidToken as exc:
            raise PoisonMessage(f"unknown task token: {exc}") from exc
        except ReplyFromWrongSender as exc:
            raise PoisonMessage(f"refused: {exc}") from exc
        except TaskTimedOut:
            pass  # a late or duplicate reply: recorded by deliver_reply, nothing to apply


class TimerLoop:
    """Fires due timers. Any number of orchestrators may run it: firing takes the execution's
    row lock and deletes the timer row, so a timer fires once."""

    def __init__(self, pool: asyncpg.Pool, orchestrator: Orchestrator) -> None:
        self._pool = pool
        self._orchestrator = orchestrator

    async def fire_due(self) -> int:
        async with self._pool.acquire() as connection:
            due = await connection.fetch(statements.DUE_TIMERS, datetime.now(UTC), TIMER_BATCH)
        for execution_id, timer_id in due:
            try:
                await self._orchestrator.fire_timer(execution_id, timer_id)
            except Exception as exc:
                # Not the timer id: a task's timer id holds its token.
                log_failure(log, f"firing a timer of {execution_id}", exc)
        return len(due)

    async def run(self, poll_seconds: float) -> None:
        while True:
            try:
                if await self.fire_due() == TIMER_BATCH:
                    continue  # more are due: don't wait
            except Exception as exc:
                log_failure(log, "timer pass", exc)
            await asyncio.sleep(poll_seconds)
