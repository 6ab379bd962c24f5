"""Requests waiting for executions to end: the long-poll behind `waitSeconds` on the history.

A client that wants an execution's outcome would otherwise poll, and every poll costs web, the
orchestrator and Postgres a request and a query while the execution is still running. A waiter
here costs nothing until the end: the transaction that ends an execution wakes its waiters
right after it commits (`Orchestrator._count`). An end committed by another orchestrator
process is not seen that way, so while anyone waits, one query every `recheck_seconds` asks
which of all the waited-on executions are no longer running (one query however many wait);
with one orchestrator it never finds anything the wake-up missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator
from contextlib import contextmanager, suppress

log = logging.getLogger(__name__)

# How often the waited-on executions are read again, for ends another orchestrator committed.
RECHECK_SECONDS = 0.5

# Of these execution ids, those that are not running (ended, or gone).
EndedAmong = Callable[[list[str]], Awaitable[Collection[str]]]


class EndWaiters:
    def __init__(self, ended_among: EndedAmong, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._ended_among = ended_among
        self._recheck_seconds = recheck_seconds
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}
        self._rechecks: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        """Waiters registered now (for tests: none are left behind)."""
        return sum(len(futures) for futures in self._waiting.values())

    def ended(self, execution_ids: Iterable[str]) -> None:
        """Wake every waiter of these executions (their ends are committed)."""
        if not self._waiting:
            return
        for execution_id in execution_ids:
            for future in self._waiting.pop(execution_id, ()):
                if not future.done():
                    future.set_result(None)

    async def wait(
        self, execution_id: str, seconds: float, has_ended: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Wait up to `seconds` for the execution to end; whether it has. `has_ended` reads its
        status (and raises if there is no such execution). It is asked once the waiter is
        registered, so that an end committed in between is not missed."""
        with self._registered(execution_id) as woken:
            if await has_ended():
                return True
            try:
                await asyncio.wait_for(woken, seconds)
            except TimeoutError:
                return False
            return True

    async def close(self) -> None:
        if self._rechecks is not None:
            self._rechecks.cancel()
            with suppress(asyncio.CancelledError):
                await self._rechecks

    @contextmanager
    def _registered(self, execution_id: str) -> Iterator[asyncio.Future[None]]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(execution_id, set()).add(future)
        if self._rechecks is None or self._rechecks.done():
            self._rechecks = asyncio.create_task(self._recheck_while_waited())
        try:
            yield future
        finally:
            waiters = self._waiting.get(execution_id)
            if waiters is not None:
                waiters.discard(future)
                if not waiters:
                    del self._waiting[execution_id]

    async def _recheck_while_waited(self) -> None:
        while self._waiting:
            await asyncio.sleep(self._recheck_seconds)
            waited = list(self._waiting)
            if not waited:
                return
            try:
                self.ended(await self._ended_among(waited))
            except Exception as exc:  # a failed read: the waiters still have their own timeouts
                log.warning("could not read the status of waited-on executions: %r", exc)
