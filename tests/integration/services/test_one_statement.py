"""The usual command as one statement (servicekit.inbox.OneStatement), against real Postgres and
RabbitMQ: which commands take it, which fall back to their handler, and that a fall-back leaves
nothing of the statement behind. The services run in this process, so their counters are read
from prometheus_client's registry."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from tests.integration.services.harness import Orchestrator, new_id
from tests.integration.services.test_inventory import available, holds_of
from tests.integration.services.test_payment import charge, payments_of
from tests.integration.services.test_shipping import address, ship, shipments_of

pytestmark = pytest.mark.integration

StockItem = Callable[[int], Awaitable[str]]
PAYMENT_QUEUE = "payment.commands"
INVENTORY_QUEUE = "inventory.commands"


def outcomes(command_type: str) -> tuple[float, float]:
    """How many commands of the type were done in one statement, and how many fell back."""

    def count(outcome: str) -> float:
        labels = {"type": command_type, "outcome": outcome}
        return REGISTRY.get_sample_value("service_one_statement_commands_total", labels) or 0.0

    return count("done"), count("fell_back")


async def change_in_outcomes(
    command_type: str, send: Callable[[], Awaitable[object]]
) -> tuple[float, float]:
    done, fell_back = outcomes(command_type)
    await send()
    done_after, fell_back_after = outcomes(command_type)
    return done_after - done, fell_back_after - fell_back


async def test_a_first_charge_is_one_statement_and_a_second_falls_back_to_the_same_payment(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    replies = []

    async def charged() -> None:
        replies.append(await charge(orchestrator, order_id))

    assert await change_in_outcomes("ChargePayment", charged) == (1, 0)
    # A new task token for the same order: the payment row is there, so the statement does
    # nothing and the handler answers with the existing charge.
    assert await change_in_outcomes("ChargePayment", charged) == (0, 1)

    first, second = replies
    assert first["status"] == second["status"] == "SUCCEEDED"
    assert second["output"] == first["output"]
    [record] = await payments_of(payment, order_id)
    assert record["payment_id"] == first["output"]["payment_id"]


async def test_a_declined_charge_is_recorded_in_one_statement(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    replies = []

    async def declined() -> None:
        replies.append(await charge(orchestrator, order_id, token="tok_chargeDeclined"))

    assert await change_in_outcomes("ChargePayment", declined) == (1, 0)
    assert (replies[0]["status"], replies[0]["error"]) == ("FAILED", "PaymentDeclined")
    [record] = await payments_of(payment, order_id)
    assert record["status"] == "DECLINED"


async def test_a_redelivered_charge_falls_back_and_replays_the_recorded_reply(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    token = new_id("token")
    fields = {"order_id": order_id, "amount_cents": 700, "currency": "EUR"}
    replies: list[dict[str, object]] = []

    async def twice() -> None:
        for _ in range(2):  # the same task token: a redelivery
            await orchestrator.send(
                PAYMENT_QUEUE, "ChargePayment", token, payment_token="tok_visa", **fields
            )
        replies.extend(await orchestrator.replies(token, count=2))

    assert await change_in_outcomes("ChargePayment", twice) == (1, 1)
    assert replies[0] == replies[1]
    assert len(await payments_of(payment, order_id)) == 1


async def test_a_charge_whose_token_was_answered_before_takes_nothing_and_replays(
    payment: httpx.AsyncClient, orchestrator: Orchestrator, database_url: str
) -> None:
    # A charge's statement runs without a transaction of its own. Its token's inbox row is
    # there already (an earlier delivery was refused, and a refusal records no payment), so the
    # statement must fail whole, payment row included, and the recorded reply be sent again.
    order_id, token = new_id("order"), new_id("token")
    recorded = {"taskToken": token, "status": "FAILED", "error": "ServiceUnavailable", "cause": "x"}
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO payment.inbox (message_id, command_type, reply)"
            " VALUES ($1, 'ChargePayment', $2::jsonb)",
            token,
            json.dumps(recorded),
        )
    finally:
        await connection.close()
    replies = []

    async def redelivered() -> None:
        await orchestrator.send(
            PAYMENT_QUEUE,
            "ChargePayment",
            token,
            order_id=order_id,
            amount_cents=900,
            currency="USD",
            payment_token="tok_visa",
        )
        replies.append(await orchestrator.reply(token))

    assert await change_in_outcomes("ChargePayment", redelivered) == (0, 1)
    assert replies[0]["status"] == "FAILED"
    assert replies[0]["error"] == "ServiceUnavailable"
    assert await payments_of(payment, order_id) == []


async def test_a_hold_the_stock_covers_is_one_statement(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    first, second = await stock_item(5), await stock_item(5)
    order_id = new_id("order")
    items = [{"sku": second, "quantity": 2}, {"sku": first, "quantity": 1}]
    replies = []

    async def held() -> None:
        replies.append(
            await orchestrator.call(INVENTORY_QUEUE, "HoldItems", order_id=order_id, items=items)
        )

    assert await change_in_outcomes("HoldItems", held) == (1, 0)
    assert replies[0]["status"] == "SUCCEEDED", replies[0]
    assert (await available(inventory, first), await available(inventory, second)) == (4, 3)
    [record] = await holds_of(inventory, order_id)
    assert record["hold_id"] == replies[0]["output"]["hold_id"]
    assert sorted(record["items"], key=str) == sorted(
        [{"sku": first, "quantity": 1}, {"sku": second, "quantity": 2}], key=str
    )


async def test_a_hold_one_line_of_which_runs_short_rolls_the_statement_back_whole(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    # The statement takes the line it can before it finds the other short; the fall-back must
    # roll that back, and the handler then refuses the hold naming the short line.
    plenty, scarce = await stock_item(10), await stock_item(1)
    order_id = new_id("order")
    items = [{"sku": plenty, "quantity": 2}, {"sku": scarce, "quantity": 3}]
    replies = []

    async def refused() -> None:
        replies.append(
            await orchestrator.call(INVENTORY_QUEUE, "HoldItems", order_id=order_id, items=items)
        )

    assert await change_in_outcomes("HoldItems", refused) == (0, 1)
    assert (replies[0]["status"], replies[0]["error"]) == ("FAILED", "OutOfStock")
    assert (await available(inventory, plenty), await available(inventory, scarce)) == (10, 1)
    assert await holds_of(inventory, order_id) == []


async def test_a_first_shipment_is_one_statement(
    shipping: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    replies = []

    async def shipped() -> None:
        replies.append(await ship(orchestrator, order_id, address()))

    assert await change_in_outcomes("ShipOrder", shipped) == (1, 0)
    assert await change_in_outcomes("ShipOrder", shipped) == (0, 1)
    assert replies[0]["status"] == "SUCCEEDED", replies[0]
    assert replies[1]["output"] == replies[0]["output"]
    [record] = await shipments_of(shipping, order_id)
    assert record["shipment_id"] == replies[0]["output"]["shipment_id"]
