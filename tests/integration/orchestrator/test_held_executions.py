"""Replies are group-committed (orchestrator.group_commit): a batch takes the executions no other
transaction holds (SKIP LOCKED) and settles the replies of a held one in a later round. Against
real Postgres and RabbitMQ: a held execution is skipped without holding up the others, and its
reply is applied once the lock goes."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests.integration.orchestrator.conftest import Harness
from tests.integration.orchestrator.test_task_lifecycle import queue_name, two_steps

pytestmark = pytest.mark.integration

LOCK_ROW = "SELECT 1 FROM orchestrator.executions WHERE execution_id = $1 FOR UPDATE"


def succeeded(token: str | None, output: Any) -> dict[str, Any]:
    return {"taskToken": token, "status": "SUCCEEDED", "output": output}


async def test_a_held_execution_is_skipped_and_the_others_go_on(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    held_queue, free_queue = queue_name(), queue_name()
    held = await harness.start(await harness.register(two_steps(held_queue)), {"n": 1})
    free = await harness.start(await harness.register(two_steps(free_queue)), {"n": 2})
    held_first = await harness.next_command(held_queue)
    free_first = await harness.next_command(free_queue)

    async with pool.acquire() as holder, holder.transaction():
        await holder.execute(LOCK_ROW, held)  # a stop or a timer of another orchestrator, say
        await harness.reply(succeeded(held_first.message_id, "held"))
        await asyncio.sleep(0.2)  # its batch has come and gone: had it waited, so would this
        await harness.reply(succeeded(free_first.message_id, "free"))
        free_second = await harness.next_command(free_queue, timeout=5)
        assert "TaskSucceeded" not in await harness.history_types(held)

    held_second = await harness.next_command(held_queue)  # settled once the lock went
    await harness.reply(succeeded(held_second.message_id, 2))
    await harness.reply(succeeded(free_second.message_id, 2))
    done = await harness.wait_status(held, "SUCCEEDED")
    assert done["output"] == {"n": 1, "first": "held", "second": 2}
    assert (await harness.history_types(held)).count("TaskSucceeded") == 2
    await harness.wait_status(free, "SUCCEEDED")
