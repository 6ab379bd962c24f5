"""Requests waiting for executions to end: the long-poll behind `waitSeconds` on the history.

A client that wants an execution's outcome would otherwise poll, and every poll costs web, the
orchestrator and Postgres a request and a query while the execution is still running. A waiter
here costs nothing until the end: the transaction that ends an execution wakes its waiters
right after it commits (`Orchestrator._count`). An end committed by another orchestrator
process is not seen that way, so a waiter also reads the execution's status again every
`recheck_seconds`; with one orchestrator the recheck never finds anything the wake-up missed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

# How often a waiter re-reads the status, for ends committed by another orchestrator process.
RECHECK_SECONDS = 0.5


class EndWaiters:
    def __init__(self, recheck_seconds: float = RECHECK_SECONDS) -> None:
        self._recheck_seconds = recheck_seconds
        self._waiting: dict[str, set[asyncio.Future[None]]] = {}

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
        registered, so an end committed in between is not missed, then every recheck."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        with self._registered(execution_id) as woken:
            while True:
                if await has_ended():
                    return True
                left = deadline - loop.time()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(asyncio.shield(woken), min(left, self._recheck_seconds))
                except TimeoutError:
                    continue
                return True

    @contextmanager
    def _registered(self, execution_id: str) -> Iterator[asyncio.Future[None]]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(execution_id, set()).add(future)
        try:
            yield future
        finally:
            waiters = self._waiting.get(execution_id)
            if waiters is not None:
                waiters.discard(future)
                if not waiters:
                    del self._waiting[execution_id]
            future.cancel()
