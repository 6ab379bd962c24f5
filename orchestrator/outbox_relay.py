"""Publishes outbox rows: right after the transaction that wrote them, and, for rows a crash
left behind, from a relay loop that claims them with SKIP LOCKED (any orchestrator may run it).
A row is marked published only after the broker confirmed it; publishing twice is harmless,
since every service handles a task token once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.decisions import OutboxMessage
from orchestrator.tables import outbox
from servicekit.amqp import Broker
from servicekit.messages import RESULT_QUEUE
from servicekit.transient import log_failure

log = logging.getLogger(__name__)

COMMANDS_PUBLISHED = Counter(
    "orchestrator_commands_published_total", "Commands published from the outbox", ["path"]
)

BATCH = 100
PRUNE_EVERY_SECONDS = 60.0


class OutboxPublisher:
    def __init__(self, broker: Broker, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._broker = broker
        self._sessions = sessions

    async def publish_committed(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish rows the caller's transaction just committed, then mark them published.

        A failure here loses nothing: the rows stay unpublished and the relay sends them."""
        if not messages:
            return
        try:
            for message in messages:
                await self._publish(message, path="direct")
            async with self._sessions() as session, session.begin():
                await self._mark_published(session, [m.id for m in messages])
        except Exception as exc:
            log_failure(log, f"direct publish of {len(messages)} command(s)", exc)

    async def relay_once(self, grace: timedelta) -> int:
        """Publish unpublished rows older than `grace`; returns how many."""
        cutoff = datetime.now(UTC) - grace
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(outbox)
                    .where(outbox.c.published_at.is_(None), outbox.c.created_at < cutoff)
                    .order_by(outbox.c.id)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            await self._publish_rows(session, rows, path="relay")
        return len(rows)

    async def prune_once(self, retention: timedelta) -> int:
        """Delete published rows older than `retention`: once a command is confirmed by the
        broker its row is only a record, and the table must not grow without end."""
        cutoff = datetime.now(UTC) - retention
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                delete(outbox).where(
                    outbox.c.published_at.is_not(None), outbox.c.published_at < cutoff
                )
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def run_relay(self, poll_seconds: float, grace: timedelta, retention: timedelta) -> None:
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                published = await self.relay_once(grace)
                if published:
                    log.info("outbox relay published %d stranded commands", published)
                    continue
                if loop.time() - last_prune >= PRUNE_EVERY_SECONDS:
                    last_prune = loop.time()
                    pruned = await self.prune_once(retention)
                    if pruned:
                        log.info("pruned %d published outbox rows", pruned)
            except Exception as exc:
                log_failure(log, "outbox relay pass", exc)
            await asyncio.sleep(poll_seconds)

    async def _publish_rows(self, session: AsyncSession, rows: Sequence[Any], path: str) -> None:
        for row in rows:
            await self._publish(
                OutboxMessage(
                    row.id, row.execution_id, row.queue, row.message_id, row.headers, row.body
                ),
                path,
            )
        await self._mark_published(session, [row.id for row in rows])

    async def _publish(self, message: OutboxMessage, path: str) -> None:
        await self._broker.ensure_declared(message.queue)
        await self._broker.publish(
            message.queue,
            message.body,
            message_id=message.message_id,
            correlation_id=message.execution_id,
            reply_to=RESULT_QUEUE,
            headers=message.headers,
        )
        COMMANDS_PUBLISHED.labels(path).inc()

    async def _mark_published(self, session: AsyncSession, ids: list[int]) -> None:
        if ids:
            await session.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids), outbox.c.published_at.is_(None))
                .values(published_at=datetime.now(UTC))
            )
