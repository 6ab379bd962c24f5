"""What survives a crash: stranded outbox rows, versions pinned to executions, validation."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from orchestrator.outbox_relay import OutboxPublisher
from tests.integration.orchestrator.conftest import Harness
from tests.integration.orchestrator.test_task_lifecycle import queue_name, two_steps

pytestmark = pytest.mark.integration


async def test_the_relay_publishes_what_a_crash_left_in_the_outbox(
    harness: Harness, database_url: str
) -> None:
    """A row committed but never published (the process died after commit) goes out anyway."""
    queue = queue_name()
    message_id = uuid.uuid4().hex
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO orchestrator.outbox (execution_id, queue, message_id, headers, body,"
            " created_at) VALUES ($1, $2, $3, '{}', $4, now() - interval '1 minute')",
            "crashed:1",
            queue,
            message_id,
            json.dumps({"stranded": True}),
        )
        message = await harness.next_command(queue, timeout=10)
        published = await connection.fetchval(
            "SELECT published_at FROM orchestrator.outbox WHERE message_id = $1", message_id
        )
    finally:
        await connection.close()
    assert message.message_id == message_id
    assert json.loads(message.body) == {"stranded": True}
    assert published is not None


async def test_an_execution_runs_the_version_it_started_with(harness: Harness) -> None:
    queue = queue_name()
    name = f"versioned-{uuid.uuid4().hex[:8]}"
    v1 = two_steps(queue)
    first = await harness.api.put(f"/state-machines/{name}", json={"definition": v1})
    execution_id = await harness.start(name, {"n": 1})

    v2 = json.loads(json.dumps(v1))
    v2["States"]["First"]["Parameters"]["step"] = "first-v2"
    second = await harness.api.put(f"/state-machines/{name}", json={"definition": v2})
    unchanged = await harness.api.put(f"/state-machines/{name}", json={"definition": v2})

    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert (second.status_code, unchanged.status_code) == (201, 200)
    assert unchanged.json()["version"] == 2
    command = await harness.next_command(queue)
    assert json.loads(command.body)["step"] == "first"
    assert (await harness.execution(execution_id))["stateMachineVersion"] == 1


async def test_an_invalid_definition_is_refused_with_every_problem(harness: Harness) -> None:
    definition = {
        "StartAt": "Nowhere",
        "States": {
            "A": {"Type": "Pass", "Next": "Missing"},
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f", "End": True},
        },
    }
    response = await harness.api.put("/state-machines/bad", json={"definition": definition})
    validated = await harness.api.post("/state-machines/validate", json={"definition": definition})

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    problems = response.json()["errors"]
    assert len(problems) >= 3  # unknown StartAt, unknown Next, unsupported resource
    assert validated.json()["result"] == "FAIL"
    assert len(validated.json()["diagnostics"]) == len(problems)
    missing = await harness.api.get("/state-machines/bad")
    assert missing.status_code == 404


async def test_unknown_execution_is_a_404_problem(harness: Harness) -> None:
    response = await harness.api.get("/executions/nope:nothing")
    assert response.status_code == 404
    assert response.json()["title"] == "ExecutionDoesNotExist"


async def test_a_wait_state_sleeps_on_a_durable_timer(harness: Harness, database_url: str) -> None:
    machine = await harness.register(
        {
            "StartAt": "Pause",
            "States": {
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
                "Done": {"Type": "Pass", "Result": "woke", "End": True},
            },
        }
    )
    execution_id = await harness.start(machine, {})

    connection = await asyncpg.connect(database_url)
    try:
        timer_rows = await connection.fetchval(
            "SELECT count(*) FROM orchestrator.timers WHERE execution_id = $1", execution_id
        )
    finally:
        await connection.close()
    done = await harness.wait_status(execution_id, "SUCCEEDED")

    assert timer_rows == 1
    assert done["output"] == "woke"
    elapsed = datetime.fromisoformat(done["stopDate"]) - datetime.fromisoformat(done["startDate"])
    assert elapsed.total_seconds() >= 1
    types = await harness.history_types(execution_id)
    assert types.index("WaitStateEntered") < types.index("WaitStateExited")


async def test_published_outbox_rows_are_pruned_after_their_retention(
    harness: Harness, database_url: str
) -> None:
    publisher: OutboxPublisher = harness.app.state.outbox
    old, fresh, pending = (uuid.uuid4().hex for _ in range(3))
    connection = await asyncpg.connect(database_url)
    try:
        for message_id, published in (
            (old, "now() - interval '2 hours'"),
            (fresh, "now()"),
            (pending, "NULL"),
        ):
            await connection.execute(
                "INSERT INTO orchestrator.outbox (execution_id, queue, message_id, headers, body,"
                f" created_at, published_at) VALUES ('pruned:1', 'nowhere', $1, '{{}}', '{{}}',"
                f" now(), {published})",
                message_id,
            )
        await publisher.prune_once(timedelta(hours=1))
        left = {
            row["message_id"]
            for row in await connection.fetch(
                "SELECT message_id FROM orchestrator.outbox WHERE execution_id = 'pruned:1'"
            )
        }
        await connection.execute("DELETE FROM orchestrator.outbox WHERE execution_id = 'pruned:1'")
    finally:
        await connection.close()
    assert left == {fresh, pending}
