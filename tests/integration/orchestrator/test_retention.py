"""Retention: finished executions older than the retention go, with every row they left."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import timedelta

import asyncpg
import pytest
from prometheus_client import REGISTRY

from orchestrator.retention import Retention
from tests.integration.orchestrator.conftest import Harness
from tests.integration.orchestrator.test_task_lifecycle import queue_name

pytestmark = pytest.mark.integration

PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}

# Every table holding rows of an execution, by execution_id.
TABLES = (
    "executions",
    "history_events",
    "execution_parts",
    "task_tokens",
    "timers",
    "outbox",
    "rejected_replies",
)


def one_task(queue: str) -> dict:
    return {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": f"rabbitmq:{queue}",
                "Parameters": {"token.$": "$$.Task.Token"},
                "End": True,
            }
        },
    }


async def rows_of(pool: asyncpg.Pool, execution_id: str) -> dict[str, int]:
    async with pool.acquire() as connection:
        return {
            table: await connection.fetchval(
                f"SELECT count(*) FROM orchestrator.{table} WHERE execution_id = $1", execution_id
            )
            for table in TABLES
        }


async def finished_task(harness: Harness, pool: asyncpg.Pool, machine: str, queue: str) -> str:
    """An execution that ran a task, succeeded, then got a duplicate reply (rejected): rows in
    history, parts, tokens, outbox and rejected_replies."""
    execution_id = await harness.start(machine, {})
    command = await harness.next_command(queue)
    reply = {"taskToken": command.message_id, "status": "SUCCEEDED", "output": 1}
    await harness.reply(reply)
    await harness.wait_status(execution_id, "SUCCEEDED")
    await harness.reply(reply)
    for _ in range(200):
        if (await rows_of(pool, execution_id))["rejected_replies"]:
            break
        await asyncio.sleep(0.05)
    return execution_id


async def leave_timers(pool: asyncpg.Pool, execution_ids: Sequence[str]) -> None:
    """A timer row for each (due tomorrow, so the timer loop leaves it alone)."""
    async with pool.acquire() as connection:
        await connection.executemany(
            "INSERT INTO orchestrator.timers (execution_id, timer_id, due_at)"
            " VALUES ($1, 'leftover', now() + interval '1 day')",
            [(execution_id,) for execution_id in execution_ids],
        )


async def backdate(pool: asyncpg.Pool, execution_ids: Sequence[str], days: int) -> None:
    async with pool.acquire() as connection:
        await connection.execute(
            "UPDATE orchestrator.executions SET stop_date = stop_date - make_interval(days => $2)"
            " WHERE execution_id = ANY($1::text[])",
            list(execution_ids),
            days,
        )


def pruned_total() -> float:
    return REGISTRY.get_sample_value("orchestrator_executions_pruned_total") or 0.0


async def test_old_finished_executions_go_with_all_their_rows(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    queue = queue_name()
    passing = await harness.register(PASS)
    working = await harness.register(one_task(queue))
    old = [await harness.start(passing, {"n": n}) for n in range(3)]
    old.append(await finished_task(harness, pool, working, queue))
    recent = [await harness.start(passing, {"n": n}) for n in range(2)]
    recent.append(await finished_task(harness, pool, working, queue))
    running = await harness.start(working, {})
    await harness.next_command(queue)
    for execution_id in old + recent:
        assert (await harness.execution(execution_id))["status"] == "SUCCEEDED"
    assert (await harness.execution(running))["status"] == "RUNNING"
    await leave_timers(pool, [*old, *recent, running])
    await backdate(pool, old, days=10)
    before = {execution_id: await rows_of(pool, execution_id) for execution_id in old + recent}
    before[running] = await rows_of(pool, running)
    assert all(before[old[-1]].values()), before[old[-1]]  # a row in every table
    assert all(before[recent[-1]].values()), before[recent[-1]]
    counted = pruned_total()

    retention = Retention(pool)
    first = await retention.prune_once(timedelta(days=1), batch=3)
    second = await retention.prune_once(timedelta(days=1), batch=3)
    third = await retention.prune_once(timedelta(days=1), batch=3)

    assert (first, second, third) == (3, 1, 0)
    assert pruned_total() - counted == 4
    for execution_id in old:
        assert await rows_of(pool, execution_id) == dict.fromkeys(TABLES, 0), execution_id
    for execution_id in [*recent, running]:
        assert await rows_of(pool, execution_id) == before[execution_id], execution_id
    assert (await harness.execution(running))["status"] == "RUNNING"


async def test_a_pruned_execution_is_not_found(harness: Harness, pool: asyncpg.Pool) -> None:
    queue = queue_name()
    passing = await harness.register(PASS)
    finished = [await harness.start(passing, {"n": n}) for n in range(3)]
    running = await harness.start(await harness.register(one_task(queue)), {})
    await harness.next_command(queue)

    pruned = await Retention(pool).prune(timedelta(0), batch=2)

    assert pruned >= len(finished)  # and whatever else in this database had finished
    for execution_id in finished:
        assert (await harness.api.get(f"/executions/{execution_id}")).status_code == 404
        history = await harness.api.get(f"/executions/{execution_id}/history")
        assert history.status_code == 404
    assert (await harness.execution(running))["status"] == "RUNNING"
    assert (await rows_of(pool, running))["task_tokens"] == 1


async def test_the_retention_loop_keeps_pruning(harness: Harness, pool: asyncpg.Pool) -> None:
    passing = await harness.register(PASS)
    loop = asyncio.create_task(Retention(pool).run(timedelta(days=1), every_seconds=0.05))
    try:
        for round in range(2):  # the loop is still there after its first passes
            execution_id = await harness.start(passing, {"round": round})
            await backdate(pool, [execution_id], days=2)
            for _ in range(200):
                response = await harness.api.get(f"/executions/{execution_id}")
                if response.status_code == 404:
                    break
                await asyncio.sleep(0.05)
            assert response.status_code == 404, json.dumps(response.json())
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def test_an_execution_held_by_a_transaction_is_left_for_the_next_round(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    """A transition holding an execution (a redrive, say) is never waited for."""
    passing = await harness.register(PASS)
    held, free = [await harness.start(passing, {"n": n}) for n in range(2)]
    await backdate(pool, [held, free], days=10)
    retention = Retention(pool)
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute(
            "SELECT 1 FROM orchestrator.executions WHERE execution_id = $1 FOR UPDATE", held
        )
        pruned = await asyncio.wait_for(retention.prune_once(timedelta(days=1)), timeout=5)
        assert pruned == 1
        assert (await rows_of(pool, free))["executions"] == 0
        assert (await rows_of(pool, held))["executions"] == 1
    assert await retention.prune_once(timedelta(days=1)) == 1
    assert (await rows_of(pool, held))["executions"] == 0
