"""payment against real Postgres and RabbitMQ: charges, declines, refunds, voids, duplicates."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.integration.services.harness import Orchestrator, new_id

pytestmark = pytest.mark.integration

QUEUE = "payment.commands"


async def charge(
    orchestrator: Orchestrator, order_id: str, token: str = "tok_visa", amount: int = 4200
) -> dict[str, Any]:
    return await orchestrator.call(
        QUEUE,
        "ChargePayment",
        order_id=order_id,
        amount_cents=amount,
        currency="USD",
        payment_token=token,
    )


async def payments_of(payment: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    response = await payment.get("/payments", params={"order_id": order_id})
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_approved_charge_is_recorded(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    reply = await charge(orchestrator, order_id, amount=1999)

    assert reply["status"] == "SUCCEEDED", reply
    output = reply["output"]
    assert output["payment_id"].startswith("pay_")
    assert output == {
        "payment_id": output["payment_id"],
        "amount_cents": 1999,
        "currency": "USD",
        "status": "CHARGED",
    }
    [record] = await payments_of(payment, order_id)
    assert record["payment_id"] == output["payment_id"]
    assert record["status"] == "CHARGED"
    assert record["amount_cents"] == 1999
    assert record["refunded_cents"] == 0
    assert record["created_at"] and record["updated_at"]


async def test_a_declined_card_records_a_decline_and_fails_the_task(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    reply = await charge(orchestrator, order_id, token="tok_chargeDeclined")

    assert reply["status"] == "FAILED"
    assert reply["error"] == "PaymentDeclined"
    assert "declined" in reply["cause"]
    [record] = await payments_of(payment, order_id)
    assert record["status"] == "DECLINED"
    assert record["refunded_cents"] == 0


async def test_a_transient_fault_records_nothing_and_a_retry_charges(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    failed = await charge(orchestrator, order_id, token="tok_transientError")
    assert (failed["status"], failed["error"]) == ("FAILED", "ServiceUnavailable")
    assert await payments_of(payment, order_id) == []

    retried = await charge(orchestrator, order_id)
    assert retried["status"] == "SUCCEEDED"
    assert len(await payments_of(payment, order_id)) == 1


async def test_a_redelivered_command_gets_the_same_reply_and_charges_once(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    token = new_id("token")
    fields = {"order_id": order_id, "amount_cents": 500, "currency": "EUR"}

    for _ in range(2):  # the same message (same task token) delivered twice
        await orchestrator.send(QUEUE, "ChargePayment", token, payment_token="tok_visa", **fields)
    first, second = await orchestrator.replies(token, count=2)

    assert first["status"] == "SUCCEEDED"
    assert first == second
    [record] = await payments_of(payment, order_id)
    assert record["payment_id"] == first["output"]["payment_id"]


async def test_a_retry_with_a_new_token_returns_the_existing_charge(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    first = await charge(orchestrator, order_id)
    second = await charge(orchestrator, order_id)

    assert first["taskToken"] != second["taskToken"]
    assert second["output"] == first["output"]
    assert len(await payments_of(payment, order_id)) == 1


async def test_concurrent_charges_of_one_order_make_one_payment(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    replies = await asyncio.gather(*(charge(orchestrator, order_id) for _ in range(10)))

    assert {reply["status"] for reply in replies} == {"SUCCEEDED"}
    assert len({reply["output"]["payment_id"] for reply in replies}) == 1
    assert len(await payments_of(payment, order_id)) == 1


async def test_a_refund_returns_exactly_what_was_charged_once(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    await charge(orchestrator, order_id, amount=3100)

    first = await orchestrator.call(QUEUE, "RefundPayment", order_id=order_id)
    again = await orchestrator.call(QUEUE, "RefundPayment", order_id=order_id)

    expected = {"order_id": order_id, "refunded_cents": 3100, "status": "REFUNDED"}
    assert first["status"] == again["status"] == "SUCCEEDED"
    assert first["output"] == again["output"] == expected
    [record] = await payments_of(payment, order_id)
    assert (record["status"], record["refunded_cents"]) == ("REFUNDED", 3100)


async def test_a_refund_before_the_charge_voids_the_order(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    refund = await orchestrator.call(QUEUE, "RefundPayment", order_id=order_id)
    late_charge = await charge(orchestrator, order_id)

    assert refund["output"] == {"order_id": order_id, "refunded_cents": 0, "status": "VOIDED"}
    assert (late_charge["status"], late_charge["error"]) == ("FAILED", "PaymentVoided")
    [record] = await payments_of(payment, order_id)
    assert (record["status"], record["amount_cents"]) == ("VOIDED", 0)


async def test_refunding_a_declined_payment_gives_nothing_back(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    await charge(orchestrator, order_id, token="tok_chargeDeclined")

    refund = await orchestrator.call(QUEUE, "RefundPayment", order_id=order_id)

    assert refund["status"] == "SUCCEEDED"
    assert refund["output"] == {"order_id": order_id, "refunded_cents": 0, "status": "DECLINED"}
    [record] = await payments_of(payment, order_id)
    assert record["status"] == "DECLINED"


@pytest.mark.parametrize(
    ("command_type", "fields"),
    [
        ("CapturePayment", {"order_id": "o"}),
        ("ChargePayment", {"order_id": "o", "amount_cents": -5, "currency": "USD"}),
        ("ChargePayment", {"order_id": "o", "amount_cents": "12", "currency": "USD"}),
        ("RefundPayment", {}),
    ],
    ids=["unknown-type", "negative-amount", "amount-as-text", "no-order-id"],
)
async def test_a_malformed_command_is_an_invalid_command(
    payment: httpx.AsyncClient,
    orchestrator: Orchestrator,
    command_type: str,
    fields: dict[str, Any],
) -> None:
    order_id = new_id("order")
    fields = {**fields, "payment_token": "tok_visa"}
    if "order_id" in fields:
        fields["order_id"] = order_id

    reply = await orchestrator.call(QUEUE, command_type, **fields)

    assert (reply["status"], reply["error"]) == ("FAILED", "InvalidCommand")
    assert reply["cause"]
    assert await payments_of(payment, order_id) == []


async def test_recent_payments_are_listed_newest_first(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    orders = [new_id("order") for _ in range(3)]
    for order_id in orders:
        await charge(orchestrator, order_id)

    response = await payment.get("/payments", params={"limit": 3})

    assert response.status_code == 200
    assert [record["order_id"] for record in response.json()] == orders[::-1]


async def test_a_bad_limit_is_a_problem(payment: httpx.AsyncClient) -> None:
    response = await payment.get("/payments", params={"limit": 0})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit" in response.json()["detail"]


async def test_a_refund_racing_its_charge_never_leaves_money_taken(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    orders = [new_id("order") for _ in range(15)]

    async def race(order_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        charged, refunded = await asyncio.gather(
            charge(orchestrator, order_id, amount=700),
            orchestrator.call(QUEUE, "RefundPayment", order_id=order_id),
        )
        return charged, refunded

    outcomes = await asyncio.gather(*(race(order_id) for order_id in orders))

    for order_id, (charged, refunded) in zip(orders, outcomes, strict=True):
        [record] = await payments_of(payment, order_id)
        if charged["status"] == "SUCCEEDED":  # the charge won: the refund gave it all back
            assert (record["status"], record["refunded_cents"]) == ("REFUNDED", 700)
            assert refunded["output"]["refunded_cents"] == 700
        else:  # the refund won: the order is void and was never charged
            assert charged["error"] == "PaymentVoided"
            assert (record["status"], record["amount_cents"]) == ("VOIDED", 0)
