"""A command the outbox relay publishes (one a crash left unsent) joins the trace stored with
its row, however long after the transition that wrote it."""

from __future__ import annotations

import json
import secrets
import uuid

import asyncpg
import pytest

from devtools.otlp_receiver import OtlpReceiver
from devtools.processes import Stack
from tests.tracing.test_order_trace import Trace

pytestmark = pytest.mark.e2e


async def test_a_relayed_command_joins_the_trace_stored_with_its_row(
    traced_stack: Stack, receiver: OtlpReceiver, database_url: str
) -> None:
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    token = f"relay-test-{uuid.uuid4()}"
    headers = {
        "state-name": "ChargePayment",
        "attempt": 0,
        "traceparent": f"00-{trace_id}-{span_id}-01",
    }
    body = {
        "type": "ChargePayment",
        "taskToken": token,
        "order_id": str(uuid.uuid4()),
        "amount_cents": 100,
        "currency": "EUR",
        "payment_token": "tok_visa",
    }
    connection = await asyncpg.connect(database_url)
    try:
        # As a crash leaves it: committed, never published, older than the relay's grace.
        await connection.execute(
            "INSERT INTO orchestrator.outbox (execution_id, queue, message_id, headers, body,"
            " created_at) VALUES ($1, 'payment.commands', $2, $3::jsonb, $4::jsonb,"
            " now() - interval '1 minute')",
            f"relay-test:{token}",
            token,
            json.dumps(headers),
            json.dumps(body),
        )
    finally:
        await connection.close()

    receiver.wait_for(
        lambda spans: any(s.trace_id == trace_id and s.name == "ChargePayment" for s in spans)
    )
    trace = Trace(receiver.settled(trace_id))
    published = next(s for s in trace.spans if s.parent_id == span_id)
    assert (published.service, published.kind) == ("orchestrator", "PRODUCER")
    assert published.name.endswith("payment.commands send")
    consumed = trace.consumed(published, "payment_service")
    trace.named(consumed, "ChargePayment")
