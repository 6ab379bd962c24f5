"""Canned order-fulfillment executions and histories, shaped like GetExecutionHistory."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from web.orchestrator import Execution, HistoryEvent

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class History:
    """Builds a history event by event; ids and timestamps count up."""

    def __init__(self, execution_input: Any = None) -> None:
        self.events: list[HistoryEvent] = []
        self.add("ExecutionStarted", input={} if execution_input is None else execution_input)

    def add(self, kind: str, **details: Any) -> History:
        n = len(self.events) + 1
        self.events.append(
            HistoryEvent(
                id=n,
                previous_event_id=n - 1,
                timestamp=START + timedelta(seconds=n),
                type=kind,
                details=details,
            )
        )
        return self

    def task(self, name: str, *attempts: tuple[str, Any], exit_: bool = True) -> History:
        """Enter Task `name`; each attempt is ("ok", output) or ("fail"/"timeout", error)."""
        self.add("TaskStateEntered", name=name, input={})
        for outcome, value in attempts:
            self.add("TaskScheduled", resource="rabbitmq:x")
            self.add("TaskStarted")
            if outcome == "ok":
                self.add("TaskSucceeded", output=value)
            elif outcome == "timeout":
                self.add("TaskTimedOut", error="States.Timeout", cause="no reply")
            else:
                self.add("TaskFailed", error=value, cause=f"{value} cause")
        if exit_:
            self.add("TaskStateExited", name=name, output={})
        return self

    def scheduled(self) -> History:
        self.add("TaskScheduled", resource="rabbitmq:x")
        return self


def execution(
    status: str = "RUNNING",
    *,
    output: Any = None,
    error: str | None = None,
    cause: str | None = None,
    order_id: str | None = None,
) -> Execution:
    order_id = order_id or str(uuid.uuid4())
    finished = status != "RUNNING"
    return Execution(
        execution_id=f"order-fulfillment:{order_id}",
        name=order_id,
        state_machine_name="order-fulfillment",
        status=status,
        input={
            "order_id": order_id,
            "items": [
                {
                    "sku": "TEE",
                    "name": "T-shirt",
                    "quantity": 2,
                    "unit_price_cents": 1999,
                    "line_total_cents": 3998,
                }
            ],
            "currency": "EUR",
            "total_cents": 3998,
            "created_at": START.isoformat(),
        },
        output=output,
        error=error,
        cause=cause,
        start_date=START,
        stop_date=START + timedelta(minutes=1) if finished else None,
    )


PAYMENT = {"payment_id": "pay_123", "status": "CHARGED"}
HOLD = {"hold_id": "hold_9"}
SHIPMENT = {"shipment_id": "shp_7", "tracking_number": "TRK-42"}


def succeeded() -> tuple[Execution, list[HistoryEvent]]:
    output = {"payment_id": "pay_123", "tracking_number": "TRK-42", "hold_id": "hold_9"}
    done = execution("SUCCEEDED", output=output)
    history = (
        History(done.input)
        .task("ChargePayment", ("ok", PAYMENT))
        .task("HoldItems", ("ok", HOLD))
        .task("ShipOrder", ("ok", SHIPMENT))
        .add("PassStateEntered", name="OrderCompleted", input={})
        .add("PassStateExited", name="OrderCompleted", output={})
        .add("ExecutionSucceeded", output=output)
    )
    return done, history.events


def failed_at_shipping() -> tuple[Execution, list[HistoryEvent]]:
    """ShipOrder refuses the address; the hold is released and the payment refunded."""
    failed = execution("FAILED", error="AddressRejected", cause="we do not ship to BR")
    history = (
        History(failed.input)
        .task("ChargePayment", ("ok", PAYMENT))
        .task("HoldItems", ("ok", HOLD))
        .task("ShipOrder", ("fail", "AddressRejected"))
        .task("ReleaseHold", ("ok", {}))
        .task("RefundPayment", ("fail", "ServiceUnavailable"), ("ok", {}))
        .add("FailStateEntered", name="OrderFailed", input={})
        .add("ExecutionFailed", error="AddressRejected", cause="we do not ship to BR")
    )
    return failed, history.events
