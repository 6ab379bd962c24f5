"""GET /executions/{id}/history: the whole history (built by Postgres as JSON) says the same as
its pages (built from rows), oldest first or newest first."""

from __future__ import annotations

import json
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
