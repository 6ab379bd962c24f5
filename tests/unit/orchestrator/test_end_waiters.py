"""The long-poll's waiters: woken by an end committed here, or found by the shared recheck (one
read for every waited-on execution); none left behind however a wait ends."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from orchestrator.end_waiters import EndWaiters


class Status:
    """`has_ended` as the orchestrator asks it: counts the reads."""

    def __init__(self, ended: bool = False) -> None:
        self.ended = ended
        self.reads = 0

    async def has_ended(self) -> bool:
        self.reads += 1
        return self.ended


class Elsewhere:
    """Ends committed by another orchestrator: what the recheck reads, and how often."""

    def __init__(self) -> None:
        self.ended: set[str] = set()
        self.reads: list[list[str]] = []

    async def ended_among(self, execution_ids: list[str]) -> Collection[str]:
        self.reads.append(sorted(execution_ids))
        return self.ended.intersection(execution_ids)


async def registered(waiters: EndWaiters, count: int) -> None:
    while len(waiters) < count:
        await asyncio.sleep(0)


async def test_an_end_committed_here_wakes_the_waiter_at_once() -> None:
    elsewhere = Elsewhere()
    waiters = EndWaiters(elsewhere.ended_among, recheck_seconds=60)  # no recheck in the test
    status = Status()
    waiting = asyncio.create_task(waiters.wait("e1", 30, status.has_ended))
    await registered(waiters, 1)
    waiters.ended(["e2"])  # another execution's end: no effect
    await asyncio.sleep(0.01)
    assert not waiting.done()
    waiters.ended(["e1"])
    assert await asyncio.wait_for(waiting, 5) is True
    assert status.reads == 1
    assert len(waiters) == 0
    await waiters.close()


async def test_an_execution_that_has_ended_is_not_waited_for() -> None:
    waiters = EndWaiters(Elsewhere().ended_among, recheck_seconds=60)
    assert await asyncio.wait_for(waiters.wait("e1", 30, Status(True).has_ended), 5) is True
    assert len(waiters) == 0
    await waiters.close()


async def test_one_recheck_reads_every_waited_execution_and_wakes_those_ended() -> None:
    elsewhere = Elsewhere()
    waiters = EndWaiters(elsewhere.ended_among, recheck_seconds=0.01)
    first = asyncio.create_task(waiters.wait("e1", 30, Status().has_ended))
    second = asyncio.create_task(waiters.wait("e2", 30, Status().has_ended))
    await registered(waiters, 2)
    while not elsewhere.reads:
        await asyncio.sleep(0.005)
    assert elsewhere.reads[0] == ["e1", "e2"]  # one read for both
    elsewhere.ended.add("e2")
    assert await asyncio.wait_for(second, 5) is True
    assert not first.done()
    elsewhere.ended.add("e1")
    assert await asyncio.wait_for(first, 5) is True
    assert len(waiters) == 0
    await waiters.close()


async def test_no_recheck_reads_while_nobody_waits() -> None:
    elsewhere = Elsewhere()
    waiters = EndWaiters(elsewhere.ended_among, recheck_seconds=0.01)
    assert await waiters.wait("e1", 0.05, Status().has_ended) is False
    await asyncio.sleep(0.05)  # the recheck loop ends with the last waiter
    reads = len(elsewhere.reads)
    await asyncio.sleep(0.05)
    assert len(elsewhere.reads) == reads
    await waiters.close()


async def test_a_failing_recheck_leaves_the_waiters_to_their_timeouts() -> None:
    async def broken(execution_ids: list[str]) -> Collection[str]:
        raise ConnectionError("Postgres is away")

    waiters = EndWaiters(broken, recheck_seconds=0.01)
    assert await waiters.wait("e1", 0.05, Status().has_ended) is False
    assert len(waiters) == 0
    await waiters.close()


async def test_a_wait_that_runs_out_says_so_and_leaves_nothing() -> None:
    waiters = EndWaiters(Elsewhere().ended_among, recheck_seconds=60)
    status = Status()
    assert await waiters.wait("e1", 0.05, status.has_ended) is False
    assert status.reads == 1
    assert len(waiters) == 0
    await waiters.close()


async def test_several_waiters_of_one_execution_all_wake() -> None:
    waiters = EndWaiters(Elsewhere().ended_among, recheck_seconds=60)
    waits = [asyncio.create_task(waiters.wait("e1", 30, Status().has_ended)) for _ in range(3)]
    await registered(waiters, 3)
    waiters.ended(["e1"])
    assert await asyncio.wait_for(asyncio.gather(*waits), 5) == [True, True, True]
    assert len(waiters) == 0
    await waiters.close()


async def test_a_cancelled_wait_leaves_nothing() -> None:
    waiters = EndWaiters(Elsewhere().ended_among, recheck_seconds=60)
    waiting = asyncio.create_task(waiters.wait("e1", 30, Status().has_ended))
    await registered(waiters, 1)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert len(waiters) == 0
    waiters.ended(["e1"])  # nothing left to wake
    await waiters.close()


async def test_an_unknown_execution_raises_through() -> None:
    async def no_such_execution() -> bool:
        raise LookupError("no execution 'e1'")

    waiters = EndWaiters(Elsewhere().ended_among)
    with pytest.raises(LookupError):
        await waiters.wait("e1", 1, no_such_execution)
    assert len(waiters) == 0
    await waiters.close()
