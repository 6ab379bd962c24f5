"""Rejected replies are bounded: by age, and by a cap that keeps the newest rows."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from orchestrator.bounds import Bounds, rejected_replies
from tests.integration.orchestrator.conftest import Harness

pytestmark = pytest.mark.integration


async def tokens_kept(pool: asyncpg.Pool) -> list[str]:
    async with pool.acquire() as connection:
        rows = await connection.fetch("SELECT token FROM orchestrator.rejected_replies ORDER BY id")
    return [row["token"] for row in rows]


async def test_bogus_replies_posted_in_a_loop_stay_under_the_cap(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    tokens = [f"bogus-{uuid.uuid4().hex}" for _ in range(30)]
    for token in tokens:
        response = await harness.api.post("/tasks/heartbeat", json={"taskToken": token})
        assert response.status_code == 400
    assert set(tokens) <= set(await tokens_kept(pool))

    pruned = await Bounds(pool, [rejected_replies(timedelta(days=7), 10)]).enforce_once()

    assert await tokens_kept(pool) == tokens[-10:]  # the newest ten
    assert pruned["orchestrator.rejected_replies"] >= 20


async def test_rejected_replies_older_than_the_retention_go(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    async with pool.acquire() as connection:
        await connection.execute(
            "INSERT INTO orchestrator.rejected_replies (token, reason, via, received_at)"
            " VALUES ($1, 'unknown', 'http', $2), ($3, 'unknown', 'http', $4)",
            old,
            datetime.now(UTC) - timedelta(days=8),
            recent,
            datetime.now(UTC) - timedelta(days=6),
        )

    await Bounds(pool, [rejected_replies(timedelta(days=7), 1000)]).enforce_once()

    kept = await tokens_kept(pool)
    assert old not in kept
    assert recent in kept


async def test_a_rejected_reply_keeps_a_bounded_token_and_payload(
    harness: Harness, pool: asyncpg.Pool
) -> None:
    token = f"huge-{uuid.uuid4().hex}" + "t" * 5000
    await harness.reply({"taskToken": token, "status": "SUCCEEDED", "output": "x" * 100_000})
    async with pool.acquire() as connection:
        for _ in range(100):
            row = await connection.fetchrow(
                "SELECT token, payload FROM orchestrator.rejected_replies WHERE token = $1",
                token[:1024],
            )
            if row is not None:
                break
            await asyncio.sleep(0.05)
    assert row is not None
    payload = row["payload"]
    assert payload["taskToken"] == token[:1024]
    assert "truncated" in payload
    assert len(json.dumps(payload)) < 2048
