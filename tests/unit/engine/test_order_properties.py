"""Properties of the order saga under any sequence of service replies."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.engine.engine_fakes import Driver, FakeEntropy
from tests.unit.engine.test_order_workflow import WORKFLOW, order

REPLIES = st.lists(
    st.sampled_from(
        [
            "ok",
            "ServiceUnavailable",
            "PaymentDeclined",
            "OutOfStock",
            "AddressRejected",
            "Boom",
            "timeout",
        ]
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(replies=REPLIES)
def test_saga_always_ends_consistently(replies: list[str]) -> None:
    d = Driver(json.loads(WORKFLOW.read_text()), order(), FakeEntropy())
    tokens: list[str] = []
    succeeded: list[str] = []
    pending = list(replies)
    for _ in range(200):
        if d.last.outcome is not None:
            break
        if not d.last.commands:  # waiting on a retry backoff
            d.fire(next(t for t in d.timers if t.endswith(tuple("0123456789"))))
            continue
        cmd = d.command()
        tokens.append(cmd.token)
        reply = pending.pop(0) if pending else "ok"
        if reply == "ok":
            d.succeed(
                {"payment_id": "p", "hold_id": "h", "shipment_id": "s", "tracking_number": "t"}
            )
            succeeded.append(cmd.state_name)
        elif reply == "timeout":
            d.fire(f"{cmd.token}:timeout")
        else:
            d.fail(reply, "cause")
    outcome = d.last.outcome
    assert outcome is not None
    assert len(tokens) == len(set(tokens)), "a token was issued twice"
    assert d.parts_named("token:") == {}
    assert d.parts_named("timer:") == {}
    forward = {"ChargePayment", "HoldItems", "ShipOrder"}
    if outcome.status == "SUCCEEDED":
        assert forward <= set(succeeded)
        assert not {"ReleaseHold", "RefundPayment"} & set(succeeded)
    else:
        assert outcome.status == "FAILED"
        assert not forward <= set(succeeded)
        if "HoldItems" in succeeded:
            assert "ReleaseHold" in succeeded
        if "ChargePayment" in succeeded:
            assert "RefundPayment" in succeeded
