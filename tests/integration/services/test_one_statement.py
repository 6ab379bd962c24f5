"""The usual command as one statement (servicekit.inbox.OneStatement), against real Postgres and
RabbitMQ: which commands take it, which fall back to their handler, and that a fall-back leaves
nothing of the statement behind. The services run in this process, so their counters are read
from prometheus_client's registry."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from prometheus_client import REGISTRY

from tests.integration.services import test_payment
from tests.integration.services.harness import Orchestrator, new_id
from tests.integration.services.test_inventory import StockItem, available, hold, holds_of
from tests.integration.services.test_payment import charge, payments_of
from tests.integration.services.test_shipping import address, ship, shipments_of

pytestmark = pytest.mark.integration

T = TypeVar("T")


def outcomes(command_type: str) -> tuple[float, float]:
    """How many commands of the type were done in one statement, and how many fell back."""

    def count(outcome: str) -> float:
        labels = {"type": command_type, "outcome": outcome}
        return REGISTRY.get_sample_value("service_one_statement_commands_total", labels) or 0.0

    return count("done"), count("fell_back")


async def counted(command_type: str, sent: Awaitable[T]) -> tuple[T, tuple[float, float]]:
    """What `sent` returns, and how many commands of the type were done in one statement and how
    many fell back while it ran."""
    done, fell_back = outcomes(command_type)
    result = await sent
    done_after, fell_back_after = outcomes(command_type)
    return result, (done_after - done, fell_back_after - fell_back)


async def test_a_first_charge_is_one_statement_and_a_second_falls_back_to_the_same_payment(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    first, change = await counted("ChargePayment", charge(orchestrator, order_id))
    assert change == (1, 0)
    # A new task token for the same order: the payment row is there, so the statement does
    # nothing and the handler answers with the existing charge.
    second, change = await counted("ChargePayment", charge(orchestrator, order_id))
    assert change == (0, 1)

    assert first["status"] == second["status"] == "SUCCEEDED"
    assert second["output"] == first["output"]
    [record] = await payments_of(payment, order_id)
    assert record["payment_id"] == first["output"]["payment_id"]


async def test_a_declined_charge_is_recorded_in_one_statement(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    reply, change = await counted(
        "ChargePayment", charge(orchestrator, order_id, token="tok_chargeDeclined")
    )

    assert change == (1, 0)
    assert (reply["status"], reply["error"]) == ("FAILED", "PaymentDeclined")
    [record] = await payments_of(payment, order_id)
    assert record["status"] == "DECLINED"


async def test_a_redelivered_charge_falls_back_and_replays_the_recorded_reply(
    payment: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")
    token = new_id("token")
    fields = {"order_id": order_id, "amount_cents": 700, "currency": "EUR"}

    async def twice() -> list[dict[str, Any]]:
        for _ in range(2):  # the same task token: a redelivery
            await orchestrator.send(
                test_payment.QUEUE, "ChargePayment", token, payment_token="tok_visa", **fields
            )
        return await orchestrator.replies(token, count=2)

    (first, second), change = await counted("ChargePayment", twice())

    assert change == (1, 1)
    assert first == second
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

    async def redelivered() -> dict[str, Any]:
        await orchestrator.send(
            test_payment.QUEUE,
            "ChargePayment",
            token,
            order_id=order_id,
            amount_cents=900,
            currency="USD",
            payment_token="tok_visa",
        )
        return await orchestrator.reply(token)

    reply, change = await counted("ChargePayment", redelivered())

    assert change == (0, 1)
    assert (reply["status"], reply["error"]) == ("FAILED", "ServiceUnavailable")
    assert await payments_of(payment, order_id) == []


async def test_a_hold_the_stock_covers_is_one_statement(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    first, second = await stock_item(5), await stock_item(5)
    order_id = new_id("order")
    items = [{"sku": second, "quantity": 2}, {"sku": first, "quantity": 1}]

    reply, change = await counted("HoldItems", hold(orchestrator, order_id, items))

    assert change == (1, 0)
    assert reply["status"] == "SUCCEEDED", reply
    assert (await available(inventory, first), await available(inventory, second)) == (4, 3)
    [record] = await holds_of(inventory, order_id)
    assert record["hold_id"] == reply["output"]["hold_id"]
    assert sorted(record["items"], key=str) == sorted(
        [{"sku": first, "quantity": 1}, {"sku": second, "quantity": 2}], key=str
    )


async def test_a_hold_one_line_of_which_runs_short_rolls_the_statement_back_whole(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    # The statement must take nothing when one line is short (no transaction is there to roll
    # back a line it took); the handler then refuses the hold naming the short line.
    plenty, scarce = await stock_item(10), await stock_item(1)
    order_id = new_id("order")
    items = [{"sku": plenty, "quantity": 2}, {"sku": scarce, "quantity": 3}]

    reply, change = await counted("HoldItems", hold(orchestrator, order_id, items))

    assert change == (0, 1)
    assert (reply["status"], reply["error"]) == ("FAILED", "OutOfStock")
    assert (await available(inventory, plenty), await available(inventory, scarce)) == (10, 1)
    assert await holds_of(inventory, order_id) == []


async def test_racing_holds_that_run_one_line_short_take_nothing_of_the_other_line(
    inventory: httpx.AsyncClient, orchestrator: Orchestrator, stock_item: StockItem
) -> None:
    # The hold's statement runs without BEGIN and COMMIT, so nothing could roll back a line it
    # took before finding another short: it must take every line or none.
    plenty, scarce = await stock_item(20), await stock_item(3)
    items = [{"sku": plenty, "quantity": 1}, {"sku": scarce, "quantity": 1}]
    orders = [new_id("order") for _ in range(12)]

    replies = await asyncio.gather(*(hold(orchestrator, order_id, items) for order_id in orders))

    outcomes = Counter(reply.get("error", reply["status"]) for reply in replies)
    assert outcomes == {"SUCCEEDED": 3, "OutOfStock": 9}
    assert (await available(inventory, plenty), await available(inventory, scarce)) == (17, 0)
    for order_id, reply in zip(orders, replies, strict=True):
        lines = [len(record["items"]) for record in await holds_of(inventory, order_id)]
        assert lines == ([2] if reply["status"] == "SUCCEEDED" else [])


async def test_a_first_shipment_is_one_statement(
    shipping: httpx.AsyncClient, orchestrator: Orchestrator
) -> None:
    order_id = new_id("order")

    first, change = await counted("ShipOrder", ship(orchestrator, order_id, address()))
    assert change == (1, 0)
    second, change = await counted("ShipOrder", ship(orchestrator, order_id, address()))
    assert change == (0, 1)

    assert first["status"] == "SUCCEEDED", first
    assert second["output"] == first["output"]
    [record] = await shipments_of(shipping, order_id)
    assert record["shipment_id"] == first["output"]["shipment_id"]
