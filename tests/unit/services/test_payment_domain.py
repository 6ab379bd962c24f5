"""payment's rules: the simulated processor and the charge/refund/void life cycle."""

from __future__ import annotations

import uuid

import pytest

from payment_service import domain
from payment_service.domain import PaymentStatus


def order_id() -> str:
    return f"order-{uuid.uuid4().hex[:8]}"


def charged(amount: int = 2500) -> domain.Payment:
    return domain.charge("pay_1", order_id(), amount, "USD", "tok_visa")


def test_an_ordinary_token_is_charged() -> None:
    payment = charged(2500)

    assert payment.status is PaymentStatus.CHARGED
    assert (payment.amount_cents, payment.refunded_cents, payment.currency) == (2500, 0, "USD")
    assert domain.charge_result(payment) == {
        "payment_id": "pay_1",
        "amount_cents": 2500,
        "currency": "USD",
        "status": "CHARGED",
    }


@pytest.mark.parametrize("token", ["tok_chargeDeclined", "card_4242", ""])
def test_a_declined_or_foreign_token_is_declined_with_a_reason(token: str) -> None:
    payment = domain.charge("pay_1", order_id(), 100, "USD", token)

    assert payment.status is PaymentStatus.DECLINED
    assert payment.decline_reason
    with pytest.raises(domain.PaymentDeclined) as refused:
        domain.charge_result(payment)
    assert refused.value.error == "PaymentDeclined"
    assert refused.value.cause == payment.decline_reason


def test_a_processor_fault_is_transient_and_records_nothing() -> None:
    with pytest.raises(domain.ServiceUnavailable) as fault:
        domain.charge("pay_1", order_id(), 100, "USD", "tok_transientError")

    assert fault.value.error == "ServiceUnavailable"


def test_a_refund_gives_back_exactly_the_charge_once() -> None:
    payment = charged(2500)

    refunded = domain.refund(payment)
    again = domain.refund(refunded)

    assert (refunded.status, refunded.refunded_cents) == (PaymentStatus.REFUNDED, 2500)
    assert again == refunded
    assert domain.refund_result(again) == {
        "order_id": payment.order_id,
        "refunded_cents": 2500,
        "status": "REFUNDED",
    }


def test_refunding_a_decline_changes_nothing() -> None:
    declined = domain.charge("pay_1", order_id(), 100, "USD", "tok_chargeDeclined")

    assert domain.refund(declined) == declined
    assert domain.refund_result(declined)["refunded_cents"] == 0


def test_a_refund_before_any_charge_voids_the_order_for_good() -> None:
    voided = domain.void("pay_1", order_id())

    assert (voided.status, voided.amount_cents, voided.refunded_cents) == ("VOIDED", 0, 0)
    assert domain.refund(voided) == voided
    with pytest.raises(domain.PaymentVoided):
        domain.charge_result(voided)


def test_a_refunded_order_is_not_charged_again() -> None:
    with pytest.raises(domain.PaymentVoided) as refused:
        domain.charge_result(domain.refund(charged()))

    assert refused.value.error == "PaymentVoided"
    assert "refunded" in refused.value.cause
