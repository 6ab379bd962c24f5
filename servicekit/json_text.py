"""Inputs and outputs travel as JSON text where AWS reports them so (history events, the AWS
API); readers decode them back, leaving anything that is not JSON text as it is."""

from __future__ import annotations

import json
from typing import Any

# One encoder, made once: json.dumps with any non-default argument builds a new JSONEncoder on
# every call, and the circular-reference check is moot for values decoded from JSON. On the
# transition path (a dozen values a transition) this halves the cost of each.
_COMPACT = json.JSONEncoder(separators=(",", ":"), check_circular=False)


def compact_json(value: Any) -> str:
    """`value` as JSON text without spaces (non-ASCII escaped)."""
    return _COMPACT.encode(value)


def parse_json_text(value: Any) -> Any:
    """`value` decoded when it is JSON text; otherwise `value` itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
