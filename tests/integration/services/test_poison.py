"""Every service: a message that can never be processed goes to `<queue>.dlq` with the reason,
once, and the consumer goes on with the next message."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.services.harness import Orchestrator, new_id

pytestmark = pytest.mark.integration

SERVICES = {
    "payment": ("payment.commands", "RefundPayment"),
    "inventory": ("inventory.commands", "ReleaseHold"),
    "shipping": ("shipping.commands", "ShipOrder"),
}

POISONS = {
    "not-json": (b"\x00 this is not JSON {", "token", ""),
    "not-an-object": (b'["ChargePayment"]', "token", ""),
    "no-type": (json.dumps({"taskToken": "t", "order_id": "o"}).encode(), "token", ""),
    "no-token": (json.dumps({"type": "RefundPayment", "order_id": "o"}).encode(), None, ""),
    "token-not-a-string": (json.dumps({"type": "ReleaseHold", "taskToken": 7}).encode(), None, ""),
    "no-reply-to": (json.dumps({"type": "ReleaseHold"}).encode(), "token", None),
}


@pytest.mark.parametrize("poison", POISONS, ids=list(POISONS))
@pytest.mark.parametrize("service", SERVICES)
async def test_a_poison_message_is_dead_lettered_and_the_consumer_lives_on(
    services: dict[str, httpx.AsyncClient],
    orchestrator: Orchestrator,
    amqp_url: str,
    service: str,
    poison: str,
) -> None:
    queue, command_type = SERVICES[service]
    body, message_id, reply_to = POISONS[poison]
    marker = new_id("poison")

    if poison == "no-token":
        await orchestrator.publish_without_message_id(amqp_url, queue, body, correlation_id=marker)
    else:
        await orchestrator.publish_raw(
            queue,
            body,
            message_id=message_id and new_id(message_id),
            reply_to=reply_to,
            correlation_id=marker,
        )
    dead = await orchestrator.dead_letter(queue, marker)

    assert dead.body == body
    headers = dead.headers or {}
    assert headers.get("x-death-reason")
    assert headers.get("x-original-queue") == queue
    # The consumer still answers: a well-formed command right after is handled.
    reply = await orchestrator.call(
        queue, command_type, order_id=new_id("order"), items=[], address=None
    )
    assert reply["taskToken"]
    assert reply["status"] in ("SUCCEEDED", "FAILED")


@pytest.mark.parametrize("service", SERVICES)
async def test_the_service_is_healthy(services: dict[str, httpx.AsyncClient], service: str) -> None:
    client = services[service]

    health = await client.get("/healthz")
    metrics = await client.get("/metrics")

    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "service_commands_total" in metrics.text
