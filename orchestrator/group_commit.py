"""Group commit: many callers' work settled in one database transaction.

Callers `submit` an item and wait. A few workers each take whatever has queued up (at least one
item, at most `max_batch`) and hand the lot to `settle`, which writes them in one transaction and
returns, per item, None or the error that item's caller should see. Nothing waits on purpose:
under load, items pile up while the previous batch commits, so batches grow with the load and a
lone item goes straight through.

An item whose settling must wait (its execution is locked by another orchestrator's transaction)
comes back as `Busy` and is queued again after a short pause, so it never holds up the others.

A batch that fails as a whole (a bug tripped by one item, say) is settled again one item at a
time, so one bad item fails only its own caller. A transient failure (the database away) fails
every caller of the batch, who retries as it would have alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from prometheus_client import Histogram

from servicekit.transient import is_transient

log = logging.getLogger(__name__)

T = TypeVar("T")

Settle = Callable[[Sequence[T]], Awaitable[Sequence[BaseException | None]]]

BATCH_SIZE = Histogram(
    "orchestrator_group_commit_batch_size",
    "Items settled per transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
# What a caller's wait is made of: its turn (the batches before it), then its batch's settling.
QUEUED = Histogram(
    "orchestrator_group_commit_queued_seconds",
    "From an item's submit to the start of the batch that settles it, by kind of item",
    ["kind"],
    buckets=_SECONDS,
)
SETTLING = Histogram(
    "orchestrator_group_commit_settle_seconds",
    "Settling one batch (its transaction), by kind of item",
    ["kind"],
    buckets=_SECONDS,
)


class Busy(Exception):
    """Returned for an item that cannot be settled now; it is queued again shortly."""


# How long a Busy item waits before it is queued again.
BUSY_RETRY_SECONDS = 0.02


@dataclass
class _Pending(Generic[T]):
    item: T
    done: asyncio.Future[None]
    submitted: float  # time.perf_counter() at submit


class GroupCommit(Generic[T]):
    def __init__(
        self, settle: Settle[T], *, max_batch: int = 128, workers: int = 1, kind: str = "items"
    ) -> None:
        self._settle = settle
        self._max_batch = max_batch
        self._workers = workers
        self._queued = QUEUED.labels(kind)
        self._settling = SETTLING.labels(kind)
        self._queue: asyncio.Queue[_Pending[T]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        if not self._tasks:
            # In a context of their own, not the first caller's: a batch belongs to no one
            # caller's log fields or trace.
            self._tasks = [
                asyncio.create_task(self._work(), context=contextvars.Context())
                for _ in range(self._workers)
            ]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        while not self._queue.empty():  # nobody will settle these now: their callers retry
            _resolve(self._queue.get_nowait(), ConnectionAbortedError("shutting down"))

    async def submit(self, item: T) -> None:
        """Settle `item` in some batch; raises what settling it raised."""
        self.start()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(item, done, time.perf_counter()))  # unbounded: never waits
        await done

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            batch = [p for p in batch if not p.done.done()]  # callers that gave up
            if batch:
                taken = time.perf_counter()
                for pending in batch:  # one queued again (Busy) counts again, from its submit
                    self._queued.observe(taken - pending.submitted)
                await self._settle_batch(batch)

    async def _settle_batch(self, batch: list[_Pending[T]]) -> None:
        BATCH_SIZE.observe(len(batch))
        try:
            with self._settling.time():
                outcomes = await self._settle([p.item for p in batch])
        except Exception as exc:
            if len(batch) == 1 or is_transient(exc):
                for pending in batch:
                    _resolve(pending, exc)
                return
            log.warning("a batch of %d failed; settling its items one by one", len(batch))
            for pending in batch:
                await self._settle_batch([pending])
            return
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Busy):
                asyncio.get_running_loop().call_later(
                    BUSY_RETRY_SECONDS, self._queue.put_nowait, pending
                )
            else:
                _resolve(pending, outcome)


def _resolve(pending: _Pending[T], outcome: BaseException | None) -> None:
    if pending.done.done():
        return
    if outcome is None:
        pending.done.set_result(None)
    else:
        pending.done.set_exception(outcome)
