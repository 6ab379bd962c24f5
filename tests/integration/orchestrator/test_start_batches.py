"""Starts that arrive together are written in one statement (orchestrator.starts): each is still
created once, a repeated name answers as it would alone, and an unknown machine fails only its
own start."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from tests.integration.orchestrator.conftest import Harness

TASK_THEN_END = {
    "StartAt": "Work",
    "States": {"Work": {"Type": "Task", "Resource": "rabbitmq:test.batch-starts", "End": True}},
}


async def post(harness: Harness, machine: str, name: str, input: Any) -> tuple[int, Any]:
    response = await harness.api.post(
        "/executions", json={"stateMachineName": machine, "name": name, "input": input}
    )
    return response.status_code, response.json()


async def test_concurrent_starts_with_repeated_names_create_each_execution_once(
    harness: Harness, database_url: str
) -> None:
    machine = await harness.register(TASK_THEN_END)
    names = [uuid.uuid4().hex for _ in range(12)]
    # Each name three times at once: twice with its own input, once with another.
    calls = [
        post(harness, machine, name, {"n": n}) for _ in range(2) for n, name in enumerate(names)
    ]
    calls += [post(harness, machine, name, {"other": True}) for name in names]
    calls.append(post(harness, "no-such-machine-" + uuid.uuid4().hex[:6], names[0], {}))
    answers = await asyncio.gather(*calls)

    by_name: dict[str, list[int]] = {name: [] for name in names}
    for call_index, (status, _) in enumerate(answers[:-1]):
        by_name[names[call_index % len(names)]].append(status)
    for name, statuses in by_name.items():
        # The first start of a name to be written creates it (201); a repeat with the same input
        # gets it back (200), one with another input is refused (409). Which came first is a
        # race: if the other input won, both starts with the name's own input are refused.
        assert statuses.count(201) == 1, (name, statuses)
        assert sorted(statuses) in ([200, 201, 409], [201, 409, 409]), (name, statuses)
    assert answers[-1][0] == 404, answers[-1]

    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT name, (SELECT count(*) FROM orchestrator.history_events h"
            "  WHERE h.execution_id = e.execution_id AND h.type = 'ExecutionStarted') AS started,"
            " (SELECT count(*) FROM orchestrator.outbox o"
            "  WHERE o.execution_id = e.execution_id) AS commands"
            " FROM orchestrator.executions e WHERE state_machine_name = $1",
            machine,
        )
    finally:
        await connection.close()
    assert sorted(row["name"] for row in rows) == sorted(names)
    assert {(row["started"], row["commands"]) for row in rows} == {(1, 1)}
