"""The control API's checks of what a client sends, each a problem+json naming the field: names
by AWS's rule (400, as AWS's InvalidName), payloads within Step Functions' 256 KiB (413), and
filters among the values there are (400)."""

from __future__ import annotations

from typing import Any

from orchestrator.engine.paths import to_json
from orchestrator.engine.states.base import MAX_PAYLOAD_BYTES
from orchestrator.names import name_problem
from servicekit.problems import Problem

EXECUTION_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def _field_problem(status: int, title: str, field: str, message: str) -> Problem:
    return Problem(status, title, f"{field}: {message}", [{"field": field, "message": message}])


def check_names(**names: str) -> None:
    """400 InvalidName naming each field whose value is not a valid name."""
    errors = [
        {"field": field, "message": problem}
        for field, value in names.items()
        if (problem := name_problem(value)) is not None
    ]
    if errors:
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise Problem(400, "InvalidName", detail, errors)


def check_payload(field: str, value: Any) -> None:
    """413 when `value`, as compact JSON, is over Step Functions' 256 KiB."""
    size = len(to_json(value).encode())
    if size > MAX_PAYLOAD_BYTES:
        message = f"is {size} bytes as JSON; at most {MAX_PAYLOAD_BYTES} are accepted"
        raise _field_problem(413, "Payload too large", field, message)


def check_status_filter(value: str | None) -> None:
    if value is not None and value not in EXECUTION_STATUSES:
        message = f"must be one of {', '.join(EXECUTION_STATUSES)}, not {value!r}"
        raise _field_problem(400, "Invalid filter", "status", message)
