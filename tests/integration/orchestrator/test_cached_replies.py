"""A reply to an execution this orchestrator wrote last is decided from its state cache and
written by one statement that writes only while the row still shows the version it was decided
on (orchestrator.service, statements.WRITE_DECISIONS_IF_CURRENT). Against real Postgres and
RabbitMQ: the usual reply takes that path, and one whose execution another orchestrator moved on
meanwhile writes nothing from the stale copy and is settled from the row instead."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
from prometheus_client import REGISTRY

from orchestrator.entropy import SecureEntropy
from orchestrator.errors import TaskTimedOut
from orchestrator.service import Orchestrator
from servicekit.messages import TaskReply
from tests.integration.orchestrator.conftest import Harness
from tests.integration.orchestrator.test_task_lifecycle import queue_name, two_steps

pytestmark = pytest.mark.integration


def settled(path: str) -> float:
    return REGISTRY.get_sample_value("orchestrator_replies_settled_total", {"path": path}) or 0.0


@contextlib.asynccontextmanager
async def other_orchestrator(harness: Harness, pool: asyncpg.Pool) -> AsyncIterator[Orchestrator]:
    """A second orchestrator on the same database, with a state cache of its own."""
    state = harness.app.state
    other = Orchestrator(pool, state.registry, state.outbox, SecureEntropy())
    try:
        yield other
    finally:
        await other.close()


async def test_replies_to_an_execution_this_orchestrator_wrote_last_are_settled_from_its_cache(
    harness: Harness,
) -> None:
    queue = queue_name()
    execution = await harness.start(await harness.register(two_steps(queue)), {"n": 7})
    first = await harness.next_command(queue)
    cached, locked = settled("cached"), settled("locked")

    await harness.reply({"taskToken": first.message_id, "status": "SUCCEEDED", "output": 1})
    second = await harness.next_command(queue)
    await harness.reply({"taskToken": second.message_id, "status": "SUCCEEDED", "output": 2})

    done = await harness.wait_status(execution, "SUCCEEDED")
    assert done["output"] == {"n": 7, "first": 1, "second": 2}
    assert (settled("cached") - cached, settled("locked") - locked) == (2, 0)


async def test_a_reply_decided_on_a_stale_copy_writes_nothing_of_it_and_is_settled_from_the_row(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    queue = queue_name()
    execution = await harness.start(await harness.register(two_steps(queue)), {"n": 1})
    first = await harness.next_command(queue)
    # Another orchestrator stops it: this one's copy still shows it running, the token open.
    async with other_orchestrator(harness, pool) as other:
        await other.stop(execution, "Stopped", "by the other orchestrator")
    stale = settled("stale")

    with pytest.raises(TaskTimedOut):
        await harness.app.state.orchestrator.deliver_reply(
            TaskReply.succeeded(str(first.message_id), "late"), via="http"
        )

    assert settled("stale") - stale == 1
    stopped = await harness.execution(execution)
    assert stopped["status"] == "ABORTED"
    assert "TaskSucceeded" not in await harness.history_types(execution)
    # The locked path recorded why the reply was not applied.
    async with pool.acquire() as connection:
        reasons = await connection.fetch(
            "SELECT reason FROM orchestrator.rejected_replies WHERE execution_id = $1", execution
        )
    assert [record["reason"] for record in reasons] == ["attempt is over"]


async def test_a_later_reply_after_another_orchestrator_settled_one_goes_on_from_the_row(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    queue = queue_name()
    execution = await harness.start(await harness.register(two_steps(queue)), {"n": 3})
    first = await harness.next_command(queue)
    async with other_orchestrator(harness, pool) as other:
        await other.deliver_reply(TaskReply.succeeded(str(first.message_id), "one"), via="http")
    second = await harness.next_command(queue)
    locked = settled("locked")

    # This orchestrator never saw the second token: nothing in its cache names it.
    await harness.reply({"taskToken": second.message_id, "status": "SUCCEEDED", "output": "two"})

    done = await harness.wait_status(execution, "SUCCEEDED")
    assert done["output"] == {"n": 3, "first": "one", "second": "two"}
    assert settled("locked") - locked == 1
    assert (await harness.history_types(execution)).count("TaskSucceeded") == 2
