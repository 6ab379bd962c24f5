"""GET /executions/{id}/history: the whole history (built by Postgres as JSON) says the same as
its pages (built from rows), oldest first or newest first."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

from tests.integration.orchestrator.conftest import Harness

PASS_THEN_CHOICE = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Result": {"word": "hi", "n": [1, 2.5, None]}, "Next": "Pick"},
        "Pick": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n[0]", "NumericEquals": 1, "Next": "Done"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def parsed(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events with their timestamps as instants, whatever the string's form."""
    return [{**e, "timestamp": datetime.fromisoformat(e["timestamp"])} for e in events]


async def test_the_whole_history_matches_its_pages_both_ways(harness: Harness) -> None:
    machine = await harness.register(PASS_THEN_CHOICE)
    execution_id = await harness.start(machine, {"unicode": "été ✓", "quote": 'a"b'})
    await harness.wait_status(execution_id, "SUCCEEDED")
    url = f"/executions/{execution_id}/history"
    for reverse in ("false", "true"):
        whole = await harness.api.get(url, params={"reverseOrder": reverse})
        paged = await harness.api.get(url, params={"reverseOrder": reverse, "limit": 1000})
        assert whole.status_code == paged.status_code == 200
        assert whole.headers["content-type"] == "application/json"
        assert whole.json()["nextCursor"] is None
        events = whole.json()["events"]
        assert len(events) >= 6
        assert parsed(events) == parsed(paged.json()["events"])
    assert events[-1]["type"] == "ExecutionStarted"  # the last pass was newest first
    # As AWS has it: the input as a JSON string.
    assert json.loads(events[-1]["details"]["input"]) == {"unicode": "été ✓", "quote": 'a"b'}


async def test_the_history_of_an_unknown_execution_is_a_404(harness: Harness) -> None:
    response = await harness.api.get("/executions/no-such:execution/history")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def one_task(queue: str) -> dict[str, Any]:
    return {
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": f"rabbitmq:{queue}", "End": True}},
    }


async def test_a_long_poll_answers_with_the_end_once_the_execution_ends(harness: Harness) -> None:
    queue = f"test.it-{uuid.uuid4().hex[:10]}"
    execution_id = await harness.start(await harness.register(one_task(queue)), {"n": 1})
    url = f"/executions/{execution_id}/history"
    waiting = asyncio.create_task(harness.api.get(url, params={"waitSeconds": 15}))
    command = await harness.next_command(queue)
    await asyncio.sleep(0.2)
    assert not waiting.done()  # still running: the request is held, not answered
    await harness.reply({"taskToken": command.message_id, "status": "SUCCEEDED", "output": 5})
    response = await asyncio.wait_for(waiting, 15)
    assert response.status_code == 200
    assert response.json()["events"][-1]["type"] == "ExecutionSucceeded"


async def test_a_long_poll_that_runs_out_answers_the_history_so_far(harness: Harness) -> None:
    queue = f"test.it-{uuid.uuid4().hex[:10]}"
    execution_id = await harness.start(await harness.register(one_task(queue)), {"n": 1})
    url = f"/executions/{execution_id}/history"
    response = await harness.api.get(url, params={"waitSeconds": 0.3})
    assert response.status_code == 200
    types = [event["type"] for event in response.json()["events"]]
    assert types[0] == "ExecutionStarted" and "ExecutionSucceeded" not in types
    assert (await harness.execution(execution_id))["status"] == "RUNNING"


async def test_a_long_poll_is_bounded_and_refuses_an_unknown_execution(harness: Harness) -> None:
    unknown = await harness.api.get(
        "/executions/no-such:execution/history", params={"waitSeconds": 5}
    )
    assert unknown.status_code == 404
    for bad in ("21", "-1", "later"):
        response = await harness.api.get(
            "/executions/no-such:execution/history", params={"waitSeconds": bad}
        )
        assert response.status_code == 422, bad
        assert "waitSeconds" in response.text
