"""Inputs and outputs travel as JSON text where AWS reports them so (history events, the AWS
API); readers decode them back, leaving anything that is not JSON text as it is."""

from __future__ import annotations

import json
from typing import Any


def parse_json_text(value: Any) -> Any:
    """`value` decoded when it is JSON text; otherwise `value` itself."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
