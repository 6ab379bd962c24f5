"""Our stored history events in the shape of AWS's GetExecutionHistory.

The engine records each event as `type` (AWS's name) and `details` (the body AWS puts under the
event's `...EventDetails` key). AWS names that key after a family of events, not after the type:
every `<Kind>StateEntered` carries `stateEnteredEventDetails`, every Task event its own. This module
is the one place that knows the naming; the AWS API (GetExecutionHistory) and the conformance
runner (comparing with AWS's recorded histories) both use it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

# `<Kind>StateEntered` / `<Kind>StateExited` for every kind of state share one details key.
_STATE_FAMILY = re.compile(r"^[A-Z][A-Za-z]*State(Entered|Exited)$")
# Events whose details object AWS writes even when empty (a Fail state with no Error or Cause).
_ALWAYS_DETAILED = frozenset({"ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut"})


def details_key(event_type: str) -> str:
    """The key AWS files an event's details under, e.g. `stateEnteredEventDetails`."""
    family = _STATE_FAMILY.match(event_type)
    if family:
        return f"state{family.group(1)}EventDetails"
    return f"{event_type[0].lower()}{event_type[1:]}EventDetails"


def aws_event(
    event_id: int,
    previous_event_id: int,
    timestamp: datetime | str,
    event_type: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """One event as AWS returns it (details omitted when empty, as AWS does, but for the
    execution's failure events)."""
    event: dict[str, Any] = {
        "id": event_id,
        "previousEventId": previous_event_id,
        "timestamp": timestamp,
        "type": event_type,
    }
    aws_details = {k: v for k, v in details.items() if not k.startswith("_")}
    if aws_details or event_type in _ALWAYS_DETAILED:
        event[details_key(event_type)] = aws_details
    return event
