"""Publishes outbox rows: right after the transaction that wrote them, and, for rows a crash
left behind, from a relay loop that claims them with SKIP LOCKED (any orchestrator may run it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.tables import outbox
from servicekit.amqp import Broker
from servicekit.messages import RESULT_QUEUE
from servicekit.transient import log_failure

log = logging.getLogger(__name__)

COMMANDS_PUBLISHED = Counter(
    "orchestrator_commands_published_total", "Commands published from the outbox", ["path"]
)

BATCH = 100


class OutboxPublisher:
    def __init__(self, broker: Broker, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._broker = broker
        self._sessions = sessions
        self._declared: set[str] = set()

    async def publish_ids(self, ids: list[int]) -> None:
        """Publish rows just committed. Failure is fine: the relay will find them."""
        if not ids:
            return
        try:
            async with self._sessions() as session, session.begin():
                rows = (
                    await session.execute(
                        select(outbox)
                        .where(outbox.c.id.in_(ids), outbox.c.published_at.is_(None))
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                await self._publish_rows(session, rows, path="direct")
        except Exception:
            log.warning("direct publish of outbox rows %s failed; the relay will retry", ids)

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

    async def run_relay(self, poll_seconds: float, grace: timedelta) -> None:
        while True:
            try:
                published = await self.relay_once(grace)
                if published:
                    log.info("outbox relay published %d stranded commands", published)
                    continue
            except Exception as exc:
                log_failure(log, "outbox relay pass", exc)
            await asyncio.sleep(poll_seconds)

    async def _publish_rows(self, session: AsyncSession, rows: Sequence[Any], path: str) -> None:
        for row in rows:
            if row.queue not in self._declared:
                await self._broker.declare(row.queue)
                self._declared.add(row.queue)
            await self._broker.publish(
                row.queue,
                row.body,
                message_id=row.message_id,
                correlation_id=row.execution_id,
                reply_to=RESULT_QUEUE,
                headers=row.headers,
            )
            await session.execute(
                update(outbox).where(outbox.c.id == row.id).values(published_at=datetime.now(UTC))
            )
            COMMANDS_PUBLISHED.labels(path).inc()
