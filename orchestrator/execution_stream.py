"""A running execution's changes as server-sent events, for the console.

Nothing on the transition path knows about watchers: the stream polls the execution's row (its
`event_count`) every `poll_seconds` while a client is connected, reads only the history events
it has not seen, and sends what changed. It ends after sending the final state of an execution
that has ended. Each poll takes a connection from the pool for one short query and gives it back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator import queries
from orchestrator.schemas import Execution
from orchestrator.state_summary import StateSummary

HISTORY_PER_MESSAGE = 200  # new events sent in one `history` message at most


def sse(event: str, data: Any, event_id: int | None = None) -> str:
    """One server-sent event (`data` as one line of JSON)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


class ExecutionStream:
    """The messages: `execution` (its description, when its status or event count changed),
    `states` (the per-state summary, when events were added), `history` (the new events, after
    the event id `after` the client already has; None: only those added once connected) and
    a last `end`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        execution_id: str,
        after: int | None,
        poll_seconds: float,
    ) -> None:
        self._sessions = sessions
        self._execution_id = execution_id
        self._sent_history: int | None = after
        self._poll_seconds = poll_seconds
        self._summary = StateSummary()
        self._seen: tuple[str, int] | None = None

    async def messages(self) -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        while True:
            async with self._sessions() as session:
                row = await queries.execution_row(session, self._execution_id)
                if row is None:
                    yield sse("end", {"reason": "the execution no longer exists"})
                    return
                changed = self._seen != (row.status, row.event_count)
                if changed:
                    async for message in self._changes(session, row):
                        yield message
            if row.status != "RUNNING" and row.event_count <= self._summary.last_event_id:
                yield sse("end", {"status": row.status})
                return
            if not changed:
                yield ": keep-alive\n\n"  # a comment: lets the server notice a gone client
            await asyncio.sleep(self._poll_seconds)

    async def _changes(self, session: AsyncSession, row: Any) -> AsyncIterator[str]:
        if self._sent_history is None:
            self._sent_history = row.event_count
        new_events: list[Any] = []
        async for events in queries.history_from(
            session, self._execution_id, self._summary.last_event_id
        ):
            self._summary.add(events)
            sent = self._sent_history
            new_events.extend(e for e in events if e["event_id"] > sent)
        self._seen = (row.status, row.event_count)
        yield sse("execution", Execution.from_row(row).model_dump(mode="json"))
        yield sse("states", self._summary.as_json(), self._summary.last_event_id)
        for start in range(0, len(new_events), HISTORY_PER_MESSAGE):
            chunk = new_events[start : start + HISTORY_PER_MESSAGE]
            yield sse("history", {"events": [_event_json(e) for e in chunk]})
        if new_events:
            self._sent_history = new_events[-1]["event_id"]


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "id": event["event_id"],
        "previousEventId": event["previous_event_id"],
        "timestamp": event["timestamp"].isoformat(),
        "type": event["type"],
        "details": event["details"],
    }
