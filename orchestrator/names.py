"""AWS's naming rule for state machines, executions and activities, shared by the control API
and AWS's API: 1-80 characters, none of whitespace, brackets `< > { } [ ]`, wildcards `? *`,
the specials `" # % \\ ^ | ~ ` $ & , ; : /`, or control characters. (`:` is also what joins a
machine's name and an execution's name into the execution's id.)"""

from __future__ import annotations

import re

from pydantic import JsonValue

MAX_NAME_LENGTH = 80
FORBIDDEN_IN_NAMES = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
# The same rule as a JSON Schema pattern, for the OpenAPI document.
NAME_PATTERN = r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$"
NAME_SCHEMA: dict[str, JsonValue] = {
    "minLength": 1,
    "maxLength": MAX_NAME_LENGTH,
    "pattern": NAME_PATTERN,
}


def name_problem(name: object) -> str | None:
    """What is wrong with `name` as a name, or None when it is a valid one."""
    if not isinstance(name, str):
        return "must be a string"
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        return f"must be 1 to {MAX_NAME_LENGTH} characters, not {len(name)}"
    found = FORBIDDEN_IN_NAMES.search(name)
    if found is not None:
        return (
            f"must not contain {found.group()!r}: no whitespace, brackets, wildcards, "
            'control characters or any of " # % \\ ^ | ~ ` $ & , ; : /'
        )
    return None
