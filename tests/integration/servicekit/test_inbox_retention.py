"""A service's inbox forgets replies older than its retention, and keeps the rest."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

import payment_service
from payment_service.tables import SCHEMA, inbox
from servicekit.db import create_engine, session_factory, upgrade_schema
from servicekit.inbox import prune_inbox

pytestmark = pytest.mark.integration


async def test_prune_forgets_only_replies_older_than_the_retention(database_url: str) -> None:
    await upgrade_schema(database_url, Path(payment_service.__file__).parent / "migrations", SCHEMA)
    old, recent = f"old-{uuid.uuid4().hex}", f"recent-{uuid.uuid4().hex}"
    connection = await asyncpg.connect(database_url)
    engine = create_engine(database_url)
    try:
        await connection.execute(
            "INSERT INTO payment.inbox (message_id, command_type, reply, received_at) VALUES"
            " ($1, 'ChargePayment', '{}', now() - interval '8 days'),"
            " ($2, 'ChargePayment', '{}', now() - interval '6 days')",
            old,
            recent,
        )
        pruned = await prune_inbox(session_factory(engine), inbox, timedelta(days=7))
        left = {
            row["message_id"]
            for row in await connection.fetch(
                "SELECT message_id FROM payment.inbox WHERE message_id = ANY($1::text[])",
                [old, recent],
            )
        }
    finally:
        await connection.close()
        await engine.dispose()
    assert pruned >= 1
    assert left == {recent}
