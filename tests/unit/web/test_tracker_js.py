"""The order page's wording (web/static/shop/assets/tracker.js), run in Node against order views
that web's own projection makes from canned histories. Skipped where there is no `node`."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from tests.unit.web.histories import (
    HOLD,
    PAYMENT,
    History,
    execution,
    failed_at_shipping,
    succeeded,
)
from web.order_view import order_view
from web.pages import PAGES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="no `node` on PATH to run the page's JS")

_RUNNER = """
import { orderPresentation } from %s;
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(orderPresentation)));
});
"""


def present(*views: Any) -> list[dict[str, Any]]:
    assert NODE is not None
    module = json.dumps((PAGES / "assets" / "tracker.js").as_uri())
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", _RUNNER % module],
        input=json.dumps([view.model_dump(mode="json") for view in views]),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def states(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(step["key"], step["state"]) for step in steps]


def failed_with(error: str, history: History) -> Any:
    history.add("FailStateEntered", name="OrderFailed", input={})
    history.add("ExecutionFailed", error=error, cause=f"{error} cause")
    return order_view(execution("FAILED", error=error, cause=f"{error} cause"), history.events)


def test_completed_order_gives_its_tracking_number() -> None:
    (shown,) = present(order_view(*succeeded()))
    assert shown["banner"]["title"] == "Your order is on its way."
    assert shown["banner"]["text"] == "Tracking number: TRK-42"
    assert states(shown["forward"]) == [
        ("ChargePayment", "done"),
        ("HoldItems", "done"),
        ("ShipOrder", "done"),
    ]
    assert shown["undo"] == [] and shown["finished"]


def test_address_rejected_says_what_was_refunded_and_released() -> None:
    (shown,) = present(order_view(*failed_at_shipping()))
    assert shown["banner"] == {
        "tone": "failed",
        "title": "We can't ship to that address.",
        "text": "Your payment of €39.98 was refunded in full and the items we had set aside "
        "were released.",
    }
    assert states(shown["forward"])[-1] == ("ShipOrder", "failed")
    assert states(shown["undo"]) == [("ReleaseHold", "undone"), ("RefundPayment", "undone")]


def test_out_of_stock_refunds_and_reserved_nothing() -> None:
    history = (
        History()
        .task("ChargePayment", ("ok", PAYMENT))
        .task("HoldItems", ("fail", "OutOfStock"))
        .task("RefundPayment", ("ok", {}))
    )
    (shown,) = present(failed_with("OutOfStock", history))
    assert shown["banner"]["title"] == "Sorry, some of your items are out of stock."
    assert shown["banner"]["text"] == (
        "Your payment of €39.98 was refunded in full and no items were reserved."
    )
    assert states(shown["forward"]) == [
        ("ChargePayment", "done"),
        ("HoldItems", "failed"),
        ("ShipOrder", "skipped"),
    ]


def test_declined_card_charged_nothing() -> None:
    history = History().task("ChargePayment", ("fail", "PaymentDeclined"))
    (shown,) = present(failed_with("PaymentDeclined", history))
    assert shown["banner"]["title"] == "Your card was declined."
    assert shown["banner"]["text"] == "Nothing was charged and no items were reserved."
    assert shown["forward"][0]["text"] == "Your card was declined"


def test_running_orders_say_where_they_are() -> None:
    retrying = History().task("ChargePayment", ("fail", "ServiceUnavailable"), exit_=False)
    undoing = (
        History()
        .task("ChargePayment", ("ok", PAYMENT))
        .task("HoldItems", ("ok", HOLD))
        .task("ShipOrder", ("fail", "AddressRejected"))
        .add("TaskStateEntered", name="ReleaseHold", input={})
        .scheduled()
    )
    first, second = present(
        order_view(execution("RUNNING"), retrying.events),
        order_view(execution("RUNNING"), undoing.events),
    )
    assert first["banner"]["tone"] == "retrying"
    assert states(first["forward"]) == [
        ("ChargePayment", "retrying"),
        ("HoldItems", "waiting"),
        ("ShipOrder", "waiting"),
    ]
    assert second["banner"]["title"] == "Something went wrong, so we are undoing your order."
    assert states(second["undo"]) == [("ReleaseHold", "active")]
    assert not first["finished"] and not second["finished"]


def test_an_aborted_order_was_cancelled() -> None:
    (shown,) = present(order_view(execution("ABORTED"), History().events))
    assert shown["banner"]["title"] == "Your order was cancelled."
