"""How the engine driver learns that an execution ended: long-polls of its history until the
newest event is a terminal one (the HTTP exchange is faked; the orchestrator's long-poll has its
own integration tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bench.engine import wait_for_end
from bench.http_client import HttpClient


class FakeClient:
    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.paths: list[str] = []

    async def get_json(self, path: str) -> tuple[int, Any]:
        self.paths.append(path)
        return self.answers.pop(0)


def history(*types: str) -> dict[str, Any]:
    """A history newest event first, as `reverseOrder=true` answers."""
    return {
        "events": [
            {"id": n, "type": kind, "timestamp": f"2026-12-07T13:00:0{n}.250000Z"}
            for n, kind in zip(range(len(types), 0, -1), types, strict=True)
        ],
        "nextCursor": None,
    }


async def test_polls_again_until_the_newest_event_ends_the_execution() -> None:
    client = FakeClient(
        (200, history("TaskScheduled", "TaskStateEntered", "ExecutionStarted")),
        (200, history("ExecutionFailed", "TaskFailed", "ExecutionStarted")),
    )

    status, ended = await wait_for_end(cast(HttpClient, client), "bench-three-steps:abc")

    assert status == "FAILED"
    assert ended == datetime(2026, 12, 7, 13, 0, 3, 250000, tzinfo=UTC)
    assert len(client.paths) == 2
    assert client.paths[0] == (
        "/executions/bench-three-steps%3Aabc/history?waitSeconds=20&reverseOrder=true"
    )


async def test_an_empty_history_is_not_an_end() -> None:
    client = FakeClient((200, {"events": []}), (200, history("ExecutionSucceeded")))
    assert (await wait_for_end(cast(HttpClient, client), "m:x"))[0] == "SUCCEEDED"


async def test_an_error_answer_stops_the_wait() -> None:
    client = FakeClient((404, {"title": "no such execution"}))
    with pytest.raises(RuntimeError, match="404"):
        await wait_for_end(cast(HttpClient, client), "m:x")
