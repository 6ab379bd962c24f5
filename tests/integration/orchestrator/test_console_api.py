"""What the console reads: execution lists with filters, counts and cursors; history pages; the
per-state summary; the stream of an execution's changes."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.orchestrator.conftest import Harness
from tests.integration.orchestrator.test_task_lifecycle import queue_name, two_steps

pytestmark = pytest.mark.integration

PASSES = {
    "StartAt": "One",
    "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Pass", "End": True}},
}
FAILS = {
    "StartAt": "Boom",
    "States": {
        "Boom": {
            "Type": "Fail",
            "Error": "Nope",
        },
    },
}


async def _start_named(harness: Harness, machine: str, name: str, input: Any = None) -> str:
    response = await harness.api.post(
        "/executions", json={"stateMachineName": machine, "name": name, "input": input or {}}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["executionId"])


async def test_listing_filters_counts_and_pages_with_a_cursor(harness: Harness) -> None:
    machine = await harness.register(PASSES)
    failing = await harness.register(FAILS)
    tag = uuid.uuid4().hex[:8]
    for i in range(5):
        await _start_named(harness, machine, f"ok-{tag}-{i}")
    failed_id = await _start_named(harness, failing, f"bad-{tag}")
    await harness.wait_status(failed_id, "FAILED")

    listed = (await harness.api.get("/executions", params={"name": tag, "counts": "true"})).json()
    assert listed["counts"] == {"SUCCEEDED": 5, "FAILED": 1}
    assert listed["executions"][0]["name"] == f"bad-{tag}"  # newest first

    only_failed = await harness.api.get(
        "/executions", params={"name": tag, "status": "FAILED", "counts": "true"}
    )
    assert [e["name"] for e in only_failed.json()["executions"]] == [f"bad-{tag}"]
    assert only_failed.json()["counts"] == {"SUCCEEDED": 5, "FAILED": 1}  # counts ignore status

    by_machine = await harness.api.get("/executions", params={"stateMachineName": machine})
    assert len(by_machine.json()["executions"]) == 5
    assert by_machine.json()["counts"] is None  # only when asked for

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"name": f"ok-{tag}", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await harness.api.get("/executions", params=params)).json()
        seen += [e["name"] for e in page["executions"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [f"ok-{tag}-{i}" for i in reversed(range(5))]

    future = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    later = await harness.api.get("/executions", params={"name": tag, "startedAfter": future})
    assert later.json()["executions"] == []
    earlier = await harness.api.get("/executions", params={"name": tag, "startedBefore": future})
    assert len(earlier.json()["executions"]) == 6


async def test_listing_rejects_bad_filters_as_problems(harness: Harness) -> None:
    bad_date = await harness.api.get("/executions", params={"startedAfter": "yesterday"})
    assert bad_date.status_code == 422
    assert bad_date.headers["content-type"] == "application/problem+json"
    bad_cursor = await harness.api.get("/executions", params={"cursor": "nope"})
    assert bad_cursor.status_code == 400


async def test_history_pages_forward_and_backward(harness: Harness) -> None:
    machine = await harness.register(PASSES)
    execution_id = await harness.start(machine, {})
    await harness.wait_status(execution_id, "SUCCEEDED")
    everything = (await harness.api.get(f"/executions/{execution_id}/history")).json()
    assert everything.get("nextCursor") is None
    ids = [event["id"] for event in everything["events"]]
    assert ids == list(range(1, len(ids) + 1))

    forward: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = (await harness.api.get(f"/executions/{execution_id}/history", params=params)).json()
        forward += [event["id"] for event in page["events"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert forward == ids

    exact = await harness.api.get(f"/executions/{execution_id}/history", params={"limit": len(ids)})
    assert exact.json()["nextCursor"] is None  # the last page says so, however full it is

    newest = await harness.api.get(
        f"/executions/{execution_id}/history", params={"limit": 2, "reverseOrder": "true"}
    )
    assert [event["id"] for event in newest.json()["events"]] == [ids[-1], ids[-2]]
    assert newest.json()["nextCursor"] == str(ids[-2])

    missing = await harness.api.get("/executions/sm:nope/history", params={"limit": 5})
    assert missing.status_code == 404
    bad = await harness.api.get(f"/executions/{execution_id}/history", params={"cursor": "x"})
    assert bad.status_code == 400


async def test_states_summary_counts_retries_and_marks_the_failed_state(harness: Harness) -> None:
    queue = queue_name()
    retry = [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    machine = await harness.register(two_steps(queue, retry=retry))
    execution_id = await harness.start(machine, {"n": 1})

    first = json.loads((await harness.next_command(queue)).body)
    await harness.reply({"taskToken": first["token"], "status": "FAILED", "error": "Flaky"})
    again = json.loads((await harness.next_command(queue)).body)
    await harness.reply({"taskToken": again["token"], "status": "SUCCEEDED", "output": {"x": 1}})
    second = json.loads((await harness.next_command(queue)).body)

    running = (await harness.api.get(f"/executions/{execution_id}/states")).json()
    assert running["states"]["First"]["status"] == "RETRIED"
    assert running["states"]["First"]["retries"] == 1
    assert running["states"]["Second"]["status"] == "IN_PROGRESS"

    await harness.reply({"taskToken": second["token"], "status": "FAILED", "error": "Broken"})
    await harness.wait_status(execution_id, "FAILED")
    done = (await harness.api.get(f"/executions/{execution_id}/states")).json()
    assert done["states"]["Second"]["status"] == "FAILED"
    first_visit, second_visit = done["visits"]
    assert (first_visit["name"], first_visit["attempts"], first_visit["output"]["first"]) == (
        "First",
        2,
        {"x": 1},
    )
    assert first_visit["input"] == {"n": 1}
    assert (second_visit["status"], second_visit["error"]) == ("FAILED", "Broken")

    missing = await harness.api.get("/executions/sm:nope/states")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def _parse_sse(body: str) -> list[tuple[str, Any]]:
    messages = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if "event" in fields:
            messages.append((fields["event"], json.loads(fields["data"])))
    return messages


async def test_the_stream_sends_each_change_then_the_end(harness: Harness) -> None:
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 2})
    await harness.next_command(queue)  # First is running

    async def read_stream() -> str:
        async with harness.api.stream("GET", f"/executions/{execution_id}/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            return "".join([chunk async for chunk in response.aiter_text()])

    reading = asyncio.create_task(read_stream())
    tokens = await harness.api.get(f"/executions/{execution_id}/history")
    scheduled = [e for e in tokens.json()["events"] if e["type"] == "TaskScheduled"]
    token = json.loads(scheduled[0]["details"]["parameters"])["token"]
    await asyncio.sleep(0.6)  # the stream has sent the first snapshot
    await harness.reply({"taskToken": token, "status": "SUCCEEDED", "output": {}})
    second = json.loads((await harness.next_command(queue)).body)
    await harness.reply({"taskToken": second["token"], "status": "SUCCEEDED", "output": {}})
    messages = _parse_sse(await asyncio.wait_for(reading, 15))

    kinds = [kind for kind, _ in messages]
    assert kinds[-1] == "end" and messages[-1][1] == {"status": "SUCCEEDED"}
    states = [data for kind, data in messages if kind == "states"]
    assert states[0]["states"]["First"]["status"] == "IN_PROGRESS"
    assert states[-1]["states"]["Second"]["status"] == "SUCCEEDED"
    assert [data["status"] for kind, data in messages if kind == "execution"][-1] == "SUCCEEDED"
    streamed = [e["id"] for kind, data in messages if kind == "history" for e in data["events"]]
    # Only events added after the client connected, each once, in order, up to the last.
    assert streamed == sorted(set(streamed)) and streamed[-1] == states[-1]["lastEventId"]
    assert streamed[0] > 1


async def test_the_stream_of_an_ended_execution_sends_its_state_and_ends(harness: Harness) -> None:
    machine = await harness.register(PASSES)
    execution_id = await harness.start(machine, {})
    await harness.wait_status(execution_id, "SUCCEEDED")
    response = await harness.api.get(f"/executions/{execution_id}/events", params={"after": 0})
    messages = _parse_sse(response.text)
    assert [kind for kind, _ in messages] == ["execution", "states", "history", "end"]
    assert messages[1][1]["states"]["Two"]["status"] == "SUCCEEDED"
    assert messages[2][1]["events"][0]["type"] == "ExecutionStarted"
    missing = await harness.api.get("/executions/sm:nope/events")
    assert missing.status_code == 404


async def test_versions_are_listed_newest_first(harness: Harness) -> None:
    name = await harness.register(PASSES)
    changed = {**PASSES, "Comment": "second version"}
    assert (
        await harness.api.put(f"/state-machines/{name}", json={"definition": changed})
    ).status_code == 201
    versions = (await harness.api.get(f"/state-machines/{name}/versions")).json()
    assert [v["version"] for v in versions["versions"]] == [2, 1]
    assert (await harness.api.get("/state-machines/none-such/versions")).status_code == 404


async def test_root_leads_to_the_console_and_pages_are_served(harness: Harness) -> None:
    root = await harness.api.get("/")
    assert root.status_code == 307 and root.headers["location"] == "/console"
    for path in ("/console", "/console/executions/a:b", "/console/state-machines/x"):
        page = await harness.api.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    asset = await harness.api.get("/console/static/vendor/graph.js")
    assert asset.status_code == 200 and "layout" in asset.text
    schema = (await harness.api.get("/openapi.json")).json()
    assert "/executions/{execution_id}/states" in schema["paths"]
    assert "/executions/{execution_id}/events" in schema["paths"]
    assert "/console" not in schema["paths"]
