"""Publishes outbox rows: right after the transaction that wrote them, and, for rows a crash
left behind, from a relay loop that claims them with SKIP LOCKED (any orchestrator may run it).

Publishing twice is harmless, since every service handles a task token once, so a row is marked
published lazily: its id waits, after the broker's confirm, to ride along in the next
transaction the orchestrator writes anyway (statements.WRITE_DECISIONS), or in a small update of
its own when none comes along soon. A crash before the mark only means the relay sends it again.
Commands are published concurrently on the confirm channel, so a batch waits for one window of
confirms rather than one confirm after another.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter, Histogram

from orchestrator import statements
from orchestrator.writes import OutboxMessage
from servicekit import tracing
from servicekit.amqp import Broker
from servicekit.messages import RESULT_QUEUE
from servicekit.transient import log_failure

log = logging.getLogger(__name__)

COMMANDS_PUBLISHED = Counter(
    "orchestrator_commands_published_total", "Commands published from the outbox", ["path"]
)

TRANSITION_LATENCY = Histogram(
    "orchestrator_transition_latency_seconds",
    "From a reply's arrival to the broker's confirm of the next command it led to",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

BATCH = 100
PRUNE_EVERY_SECONDS = 60.0


class OutboxPublisher:
    def __init__(self, broker: Broker, pool: asyncpg.Pool) -> None:
        self._broker = broker
        self._pool = pool
        self._published: list[int] = []  # confirmed by the broker, not yet marked
        self._in_flight: set[asyncio.Task[None]] = set()

    # ---- right after commit ------------------------------------------------------------

    def publish_soon(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish rows the caller's transaction just committed, without making it wait.

        A failure here loses nothing: the rows stay unpublished and the relay sends them."""
        if messages:
            task = asyncio.create_task(self.publish_committed(messages))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def publish_committed(self, messages: Sequence[OutboxMessage]) -> None:
        try:
            await self._publish_all(messages, path="direct")
        except Exception as exc:
            log_failure(log, f"direct publish of {len(messages)} command(s)", exc)
            return
        confirmed = time.perf_counter()
        for message in messages:
            if message.received is not None:
                TRANSITION_LATENCY.observe(confirmed - message.received)
        self._published.extend(m.id for m in messages)

    async def settle(self) -> None:
        """Wait for publishes under way (tests and shutdown)."""
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight), return_exceptions=True)

    # ---- marking rows published --------------------------------------------------------

    def take_published(self) -> list[int]:
        """Ids to mark in the caller's next transaction; give them back if it fails."""
        taken, self._published = self._published, []
        return taken

    def restore_published(self, ids: list[int]) -> None:
        self._published.extend(ids)

    async def mark_published(self) -> None:
        ids = self.take_published()
        if not ids:
            return
        try:
            async with self._pool.acquire() as connection:
                await connection.execute(statements.MARK_PUBLISHED, ids, datetime.now(UTC))
        except BaseException:
            self.restore_published(ids)
            raise

    # ---- the relay ---------------------------------------------------------------------

    async def relay_once(self, grace: timedelta) -> int:
        """Publish unpublished rows older than `grace`; returns how many."""
        cutoff = datetime.now(UTC) - grace
        async with self._pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(statements.CLAIM_STRANDED_OUTBOX, cutoff, BATCH)
            messages = [
                OutboxMessage(
                    row["id"],
                    row["execution_id"],
                    row["queue"],
                    row["message_id"],
                    row["headers"],
                    row["body"],
                )
                for row in rows
            ]
            await self._publish_all(messages, path="relay")
            await connection.execute(
                statements.MARK_PUBLISHED, [m.id for m in messages], datetime.now(UTC)
            )
        return len(rows)

    async def prune_once(self, retention: timedelta) -> int:
        """Delete published rows older than `retention`: once a command is confirmed by the
        broker its row is only a record, and the table must not grow without end."""
        async with self._pool.acquire() as connection:
            status = await connection.execute(
                statements.PRUNE_OUTBOX, datetime.now(UTC) - retention
            )
        return int(status.split()[-1])

    async def run_relay(
        self,
        poll_seconds: float,
        grace: timedelta,
        retention: timedelta,
        mark_seconds: float = 0.2,
    ) -> None:
        """Relay stranded rows every `poll_seconds`, mark published rows every `mark_seconds`
        (when no transaction took them first), prune old rows every minute."""
        loop = asyncio.get_running_loop()
        last_prune = last_relay = 0.0
        while True:
            try:
                await self.mark_published()
                if loop.time() - last_relay >= poll_seconds:
                    last_relay = loop.time()
                    published = await self.relay_once(grace)
                    if published:
                        log.info("outbox relay published %d stranded commands", published)
                        last_relay = 0.0  # there may be more: look again at once
                if loop.time() - last_prune >= PRUNE_EVERY_SECONDS:
                    last_prune = loop.time()
                    pruned = await self.prune_once(retention)
                    if pruned:
                        log.info("pruned %d published outbox rows", pruned)
            except Exception as exc:
                log_failure(log, "outbox relay pass", exc)
            await asyncio.sleep(mark_seconds)

    # ---- publishing --------------------------------------------------------------------

    async def _publish_all(self, messages: Sequence[OutboxMessage], path: str) -> None:
        for queue in {m.queue for m in messages}:
            await self._broker.ensure_declared(queue)
        await asyncio.gather(*(self._publish(m) for m in messages))
        COMMANDS_PUBLISHED.labels(path).inc(len(messages))

    async def _publish(self, message: OutboxMessage) -> None:
        # Under the trace stored with the row (tracing on): the publish joins the order's trace
        # whether it happens right after commit or from the relay, minutes later.
        with tracing.attached(message.headers):
            await self._broker.publish(
                message.queue,
                message.body,
                message_id=message.message_id,
                correlation_id=message.execution_id,
                reply_to=RESULT_QUEUE,
                headers=message.headers,
            )
