"""An order as its execution and the execution's history tell it. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from servicekit.json_text import parse_json_text
from web.orchestrator import Execution, HistoryEvent
from web.schemas import Failure, OrderLine, OrderStatus, OrderSummary, OrderView, Step, StepStatus

# The states of order-fulfillment.asl.json whose results the order shows.
PAYMENT_STATE = "ChargePayment"
SHIPPING_STATE = "ShipOrder"

_TERMINAL_FAILURES = {"FAILED", "TIMED_OUT", "ABORTED"}
# What to say when a failed execution carries no error name of its own.
_DEFAULT_ERROR = {"TIMED_OUT": "States.Timeout", "ABORTED": "ExecutionAborted"}
_TASK_RUNNING = {"TaskScheduled", "TaskStarting", "TaskStarted", "TaskSubmitted"}
_TASK_FAILED = {"TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed"}
_EXECUTION_ENDED_BADLY = {"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


class _OrderInput(BaseModel):
    """The fields of the execution input (written by web's POST /orders) the view shows."""

    model_config = ConfigDict(extra="ignore")

    items: list[OrderLine] = []
    total_cents: int = 0
    currency: str = ""
    created_at: datetime | None = None


def order_status(execution_status: str) -> OrderStatus:
    if execution_status == "SUCCEEDED":
        return "COMPLETED"
    if execution_status in _TERMINAL_FAILURES:
        return "FAILED"
    return "PROCESSING"


def _order_input(execution: Execution) -> _OrderInput:
    try:
        return _OrderInput.model_validate(execution.input or {})
    except ValidationError:
        return _OrderInput()


def order_summary(execution: Execution) -> OrderSummary:
    order = _order_input(execution)
    return OrderSummary(
        order_id=execution.name,
        status=order_status(execution.status),
        total_cents=order.total_cents,
        currency=order.currency,
        created_at=order.created_at or execution.start_date,
        finished_at=execution.stop_date,
    )


@dataclass
class _StepProgress:
    name: str
    exited: bool = False
    attempts: int = 0
    failed_attempts: int = 0
    entered_at: datetime | None = None
    exited_at: datetime | None = None
    # The outcome of the last attempt: None while it runs, "SUCCEEDED" or "FAILED" after.
    last_attempt: str | None = None
    is_fail_state: bool = False

    def status(self, execution_terminal: bool) -> StepStatus:
        if self.is_fail_state:
            return "FAILED"
        if self.last_attempt == "SUCCEEDED":
            return "SUCCEEDED"
        if self.last_attempt == "FAILED":
            # Still in the state with the execution running: the failure is being retried.
            return "FAILED" if self.exited or execution_terminal else "RETRYING"
        if self.exited:
            return "SUCCEEDED"
        if execution_terminal:
            return "FAILED"
        return "RETRYING" if self.failed_attempts else "RUNNING"


def _step(step: _StepProgress, execution_terminal: bool) -> Step:
    return Step(
        name=step.name,
        status=step.status(execution_terminal),
        attempts=step.attempts,
        entered_at=step.entered_at,
        exited_at=step.exited_at,
    )


def _output_field(output: Any, field: str) -> str | None:
    output = parse_json_text(output)
    value = output.get(field) if isinstance(output, dict) else None
    return value if isinstance(value, str) else None


def order_view(execution: Execution, events: Sequence[HistoryEvent]) -> OrderView:
    """Project the execution and its history (oldest event first) into the order's view."""
    steps: dict[str, _StepProgress] = {}
    current: _StepProgress | None = None
    task_outputs: dict[str, Any] = {}
    ended_badly: dict[str, Any] = {}
    for event in events:
        kind, details = event.type, event.details
        if kind.endswith("StateEntered"):
            name = str(details.get("name", "?"))
            current = steps.setdefault(name, _StepProgress(name))
            current.exited, current.last_attempt, current.failed_attempts = False, None, 0
            current.attempts, current.entered_at, current.exited_at = 0, event.timestamp, None
            current.is_fail_state = kind == "FailStateEntered"
        elif kind.endswith("StateExited"):
            if current is not None:
                current.exited, current.exited_at = True, event.timestamp
        elif current is not None and kind in _TASK_RUNNING:
            # Every attempt, the first and each retry, begins with its own TaskScheduled.
            current.attempts += kind == "TaskScheduled"
            current.last_attempt = None
        elif current is not None and kind in _TASK_FAILED:
            current.failed_attempts += 1
            current.last_attempt = "FAILED"
        elif current is not None and kind == "TaskSucceeded":
            current.last_attempt = "SUCCEEDED"
            task_outputs[current.name] = details.get("output")
        elif kind in _EXECUTION_ENDED_BADLY:
            ended_badly = details

    terminal = execution.status != "RUNNING"
    order = _order_input(execution)
    return OrderView(
        order_id=execution.name,
        execution_id=execution.execution_id,
        status=order_status(execution.status),
        total_cents=order.total_cents,
        currency=order.currency,
        items=order.items,
        created_at=order.created_at or execution.start_date,
        finished_at=execution.stop_date,
        steps=[_step(step, terminal) for step in steps.values()],
        payment_id=_output_field(task_outputs.get(PAYMENT_STATE), "payment_id")
        or _output_field(execution.output, "payment_id"),
        tracking_number=_output_field(task_outputs.get(SHIPPING_STATE), "tracking_number")
        or _output_field(execution.output, "tracking_number"),
        failure=_failure(execution, ended_badly),
    )


def _failure(execution: Execution, ended_badly: dict[str, Any]) -> Failure | None:
    if execution.status not in _TERMINAL_FAILURES:
        return None
    error = execution.error or ended_badly.get("error") or _DEFAULT_ERROR.get(execution.status)
    cause = execution.cause or ended_badly.get("cause")
    return Failure(
        error=str(error or "States.Runtime"), cause=None if cause is None else str(cause)
    )
