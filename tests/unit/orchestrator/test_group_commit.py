"""Group commit: batching, a bad item failing only itself, busy items coming back."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from orchestrator.group_commit import Busy, GroupCommit


class Recorder:
    """A settle function that records its batches; items named 'bad' break a whole batch."""

    def __init__(self, busy_rounds: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.busy_rounds = busy_rounds

    async def settle(self, items: Sequence[str]) -> list[BaseException | None]:
        self.batches.append(list(items))
        await asyncio.sleep(0.01)  # a commit takes a while: followers queue up behind it
        if "bad" in items:
            raise ValueError("bad item")
        outcomes: list[BaseException | None] = []
        for item in items:
            if item == "busy" and self.busy_rounds > 0:
                self.busy_rounds -= 1
                outcomes.append(Busy())
            elif item == "rejected":
                outcomes.append(KeyError(item))
            else:
                outcomes.append(None)
        return outcomes


async def test_items_that_arrive_together_share_a_batch() -> None:
    recorder = Recorder()
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1)
    try:
        await asyncio.gather(*(group.submit(f"item{n}") for n in range(20)))
    finally:
        await group.close()
    assert sorted(i for b in recorder.batches for i in b) == sorted(f"item{n}" for n in range(20))
    assert len(recorder.batches) < 20
    assert max(len(b) for b in recorder.batches) > 1


async def test_a_batch_is_never_larger_than_max_batch() -> None:
    recorder = Recorder()
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1, max_batch=3)
    try:
        await asyncio.gather(*(group.submit(f"item{n}") for n in range(10)))
    finally:
        await group.close()
    assert max(len(b) for b in recorder.batches) <= 3


async def test_a_bad_item_fails_only_its_own_caller() -> None:
    recorder = Recorder()
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1)
    try:
        results = await asyncio.gather(
            group.submit("a"), group.submit("bad"), group.submit("b"), return_exceptions=True
        )
    finally:
        await group.close()
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], ValueError)
    assert ["bad"] in recorder.batches  # settled alone after its batch failed


async def test_an_item_outcome_is_raised_to_its_caller() -> None:
    recorder = Recorder()
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1)
    try:
        with pytest.raises(KeyError):
            await group.submit("rejected")
    finally:
        await group.close()


async def test_a_busy_item_is_settled_in_a_later_round() -> None:
    recorder = Recorder(busy_rounds=2)
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1)
    try:
        await asyncio.gather(group.submit("busy"), group.submit("other"))
    finally:
        await group.close()
    rounds_with_busy = [b for b in recorder.batches if "busy" in b]
    assert len(rounds_with_busy) == 3


async def test_each_item_s_turn_and_each_batch_s_settling_are_timed_by_kind() -> None:
    from prometheus_client import REGISTRY

    def observed(metric: str, sample: str) -> float:
        return REGISTRY.get_sample_value(f"{metric}_{sample}", {"kind": "timed-test"}) or 0.0

    recorder = Recorder()
    group: GroupCommit[str] = GroupCommit(recorder.settle, workers=1, kind="timed-test")
    items = [f"item{n}" for n in range(12)] + ["bad"]
    try:  # the bad one breaks the batch, which is then settled again one item at a time
        await asyncio.gather(*(group.submit(item) for item in items), return_exceptions=True)
    finally:
        await group.close()
    queued = observed("orchestrator_group_commit_queued_seconds", "count")
    batches = observed("orchestrator_group_commit_settle_seconds", "count")
    settling = observed("orchestrator_group_commit_settle_seconds", "sum")
    assert len(recorder.batches) > len(items)  # the broken batch, then one per item
    assert queued == len(items)  # each item's turn once, not again when settled alone
    assert batches == len(recorder.batches)
    assert settling >= 0.01 * batches  # each batch's settle sleeps 10 ms
