"""Payment rules, free of I/O: the simulated card processor and a payment's life cycle.

One payment per order. Its status moves only along these arrows:

    (none) --charge--> CHARGED --refund--> REFUNDED
    (none) --charge--> DECLINED
    (none) --refund--> VOIDED     (a refund that overtook its charge: the charge may never happen)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

# Test card tokens, after the fashion of Stripe's (`tok_chargeDeclined`, `tok_visa`, ...).
DECLINED_TOKEN = "tok_chargeDeclined"
TRANSIENT_ERROR_TOKEN = "tok_transientError"
TOKEN_PREFIX = "tok_"


class PaymentStatus(StrEnum):
    CHARGED = "CHARGED"
    REFUNDED = "REFUNDED"
    DECLINED = "DECLINED"
    VOIDED = "VOIDED"


class PaymentError(Exception):
    """A command payment will not carry out. `error` is the ASL error name a Catch matches."""

    error: ClassVar[str] = "PaymentError"

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class PaymentDeclined(PaymentError):
    error = "PaymentDeclined"


class PaymentVoided(PaymentError):
    """The order was refunded or voided already; charging it now would take money for nothing."""

    error = "PaymentVoided"


class ServiceUnavailable(PaymentError):
    """The card processor could not be reached: transient, so the workflow's Retry applies."""

    error = "ServiceUnavailable"


@dataclass(frozen=True)
class Payment:
    """The one payment of an order. Amounts are integer minor units (cents)."""

    payment_id: str
    order_id: str
    status: PaymentStatus
    amount_cents: int
    refunded_cents: int = 0
    currency: str | None = None
    # Why a DECLINED payment was declined, in words a customer can read.
    decline_reason: str | None = None


def charge(
    payment_id: str, order_id: str, amount_cents: int, currency: str, payment_token: str
) -> Payment:
    """Ask the (simulated) card processor: a CHARGED or a DECLINED payment.

    Raises `ServiceUnavailable` when the processor fails transiently; nothing is to be recorded.
    """
    if payment_token == TRANSIENT_ERROR_TOKEN:
        raise ServiceUnavailable("the card processor did not answer; try again")
    reason = _decline_reason(payment_token)
    status = PaymentStatus.DECLINED if reason else PaymentStatus.CHARGED
    return Payment(payment_id, order_id, status, amount_cents, 0, currency, reason)


def _decline_reason(payment_token: str) -> str | None:
    if payment_token == DECLINED_TOKEN:
        return "The card was declined by its issuer."
    if not payment_token.startswith(TOKEN_PREFIX):
        return "The payment token is not one the card processor issued."
    return None


def charge_result(payment: Payment) -> dict[str, Any]:
    """What a ChargePayment for this order answers, however often it is asked.

    Raises `PaymentDeclined` or `PaymentVoided` when the order's payment is not a charge.
    """
    if payment.status is PaymentStatus.DECLINED:
        raise PaymentDeclined(payment.decline_reason or "The card was declined.")
    if payment.status in (PaymentStatus.REFUNDED, PaymentStatus.VOIDED):
        raise PaymentVoided(
            f"Order {payment.order_id} was already {payment.status.lower()}; it is not charged."
        )
    return {
        "payment_id": payment.payment_id,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "status": payment.status.value,
    }


def void(payment_id: str, order_id: str) -> Payment:
    """A refund found no payment: a VOIDED tombstone makes any later charge of the order fail."""
    return Payment(payment_id, order_id, PaymentStatus.VOIDED, amount_cents=0)


def refund(payment: Payment) -> Payment:
    """Refund a charge in full, once. Any other payment is returned unchanged (nothing to give)."""
    if payment.status is not PaymentStatus.CHARGED:
        return payment
    return dataclasses.replace(
        payment, status=PaymentStatus.REFUNDED, refunded_cents=payment.amount_cents
    )


def refund_result(payment: Payment) -> dict[str, Any]:
    """RefundPayment's output: the order's payment status and all that was refunded for it."""
    return {
        "order_id": payment.order_id,
        "refunded_cents": payment.refunded_cents,
        "status": payment.status.value,
    }
