"""The service layer: a command in, its effect recorded, a reply out.

`dispatch` runs inside the transaction `servicekit.inbox.CommandWorker` opens, so a payment and
the inbox row that remembers its reply commit together. A refusal that leaves a record (a decline)
is *returned* as a FAILED reply so the record commits; one that leaves nothing may be raised.

A charge's usual case (the order has no payment yet) is also offered as a plan, one statement
with the inbox row (`plan_charge`); the worker falls back to `charge_payment` for every other.
"""

from __future__ import annotations

import logging
import uuid

import asyncpg

from payment_service import domain, repository
from payment_service.commands import ChargePayment, RefundPayment
from servicekit.commands import CommandRouter, parse_body
from servicekit.inbox import CommandRejected, OneStatement
from servicekit.messages import Command, TaskReply
from servicekit.money import format_money

log = logging.getLogger(__name__)


def new_payment_id() -> str:
    return f"pay_{uuid.uuid4().hex}"


async def charge_payment(connection: asyncpg.Connection, command: Command) -> TaskReply:
    """Charge the order once; any later ChargePayment for it gets the same answer."""
    body = parse_body(ChargePayment, command)
    payment = await repository.lock_by_order(connection, body.order_id)
    if payment is None:
        try:
            fresh = domain.charge(
                new_payment_id(),
                body.order_id,
                body.amount_cents,
                body.currency,
                body.payment_token,
            )
        except domain.ServiceUnavailable as exc:
            raise CommandRejected(exc.error, exc.cause) from exc
        payment = await repository.add_or_lock(connection, fresh)
        if payment.payment_id == fresh.payment_id:  # ours, not a racing command's
            _log_charge(payment)
    elif (
        payment.status is domain.PaymentStatus.CHARGED and payment.amount_cents != body.amount_cents
    ):
        log.warning(
            "order %s was charged %s cents; a new command asks %s: answering with the charge",
            body.order_id,
            payment.amount_cents,
            body.amount_cents,
        )
    return _charge_reply(command, payment)


def plan_charge(command: Command) -> OneStatement | None:
    """Charge an order that has no payment yet: the payment row, in one statement."""
    body = parse_body(ChargePayment, command)
    try:
        fresh = domain.charge(
            new_payment_id(), body.order_id, body.amount_cents, body.currency, body.payment_token
        )
    except domain.ServiceUnavailable:
        return None  # the handler refuses it, as a refusal that records nothing
    statement, args = repository.adding(fresh)
    return OneStatement.insert(
        statement, args, _charge_reply(command, fresh), after_commit=lambda: _log_charge(fresh)
    )


def _charge_reply(command: Command, payment: domain.Payment) -> TaskReply:
    try:
        return TaskReply.succeeded(command.task_token, domain.charge_result(payment))
    except domain.PaymentError as exc:
        return TaskReply.failed(command.task_token, exc.error, exc.cause)


def _log_charge(payment: domain.Payment) -> None:
    fields = {"order_id": payment.order_id}
    amount = format_money(payment.amount_cents, payment.currency)
    if payment.status is domain.PaymentStatus.CHARGED:
        log.info("charged %s", amount, extra={**fields, "event": "charged"})
    else:
        log.info(
            "declined %s: %s", amount, payment.decline_reason, extra={**fields, "event": "declined"}
        )


async def refund_payment(connection: asyncpg.Connection, command: Command) -> TaskReply:
    """Refund the order's charge in full, once; with no charge yet, void the order instead."""
    body = parse_body(RefundPayment, command)
    payment = await repository.lock_by_order(connection, body.order_id)
    if payment is None:
        # A charge racing this refund either commits first (then we refund it) or finds VOIDED.
        payment = await repository.add_or_lock(
            connection, domain.void(new_payment_id(), body.order_id)
        )
    refunded = domain.refund(payment)
    if refunded != payment:
        await repository.save(connection, refunded)
        log.info(
            "refunded %s",
            format_money(refunded.refunded_cents, refunded.currency),
            extra={"order_id": body.order_id, "event": "refunded"},
        )
    return TaskReply.succeeded(command.task_token, domain.refund_result(refunded))


dispatch = CommandRouter(
    "payment",
    {
        "ChargePayment": charge_payment,
        "RefundPayment": refund_payment,
    },
    plans={"ChargePayment": plan_charge},
)
