"""The long-poll's waiters: woken by an end committed here, or finding one committed elsewhere
on a recheck; none left behind however a wait ends."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator.end_waiters import EndWaiters


class Status:
    """`has_ended` as the orchestrator asks it: counts the reads."""

    def __init__(self, answers: list[bool]) -> None:
        self.answers = answers
        self.reads = 0

    async def has_ended(self) -> bool:
        self.reads += 1
        return self.answers[min(self.reads, len(self.answers)) - 1]


async def test_an_end_committed_here_wakes_the_waiter_at_once() -> None:
    waiters = EndWaiters(recheck_seconds=60)  # no recheck could answer within the test
    status = Status([False])
    waiting = asyncio.create_task(waiters.wait("e1", 30, status.has_ended))
    while len(waiters) == 0:
        await asyncio.sleep(0)
    waiters.ended(["e2"])  # another execution's end: no effect
    await asyncio.sleep(0.01)
    assert not waiting.done()
    waiters.ended(["e1"])
    assert await asyncio.wait_for(waiting, 5) is True
    assert status.reads == 1
    assert len(waiters) == 0


async def test_an_execution_that_has_ended_is_not_waited_for() -> None:
    waiters = EndWaiters(recheck_seconds=60)
    assert await asyncio.wait_for(waiters.wait("e1", 30, Status([True]).has_ended), 5) is True
    assert len(waiters) == 0


async def test_an_end_committed_elsewhere_is_found_by_a_recheck() -> None:
    waiters = EndWaiters(recheck_seconds=0.01)
    status = Status([False, False, True])
    assert await asyncio.wait_for(waiters.wait("e1", 30, status.has_ended), 5) is True
    assert status.reads == 3


async def test_a_wait_that_runs_out_says_so_and_leaves_nothing() -> None:
    waiters = EndWaiters(recheck_seconds=0.02)
    status = Status([False])
    assert await waiters.wait("e1", 0.05, status.has_ended) is False
    assert status.reads >= 2  # read when registered, then on rechecks
    assert len(waiters) == 0


async def test_several_waiters_of_one_execution_all_wake() -> None:
    waiters = EndWaiters(recheck_seconds=60)
    waits = [
        asyncio.create_task(waiters.wait("e1", 30, Status([False]).has_ended)) for _ in range(3)
    ]
    while len(waiters) < 3:
        await asyncio.sleep(0)
    waiters.ended(["e1"])
    assert await asyncio.wait_for(asyncio.gather(*waits), 5) == [True, True, True]
    assert len(waiters) == 0


async def test_a_cancelled_wait_leaves_nothing() -> None:
    waiters = EndWaiters(recheck_seconds=60)
    waiting = asyncio.create_task(waiters.wait("e1", 30, Status([False]).has_ended))
    while len(waiters) == 0:
        await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(waiters) == 0
    waiters.ended(["e1"])  # nothing left to wake


async def test_an_unknown_execution_raises_through() -> None:
    async def no_such_execution() -> bool:
        raise LookupError("no execution 'e1'")

    waiters = EndWaiters()
    with pytest.raises(LookupError):
        await waiters.wait("e1", 1, no_such_execution)
    assert len(waiters) == 0
