"""Text a store cannot keep: Postgres refuses U+0000 in `text` and `jsonb`, and a lone UTF-16
surrogate (`"\\ud800"` in JSON) cannot be encoded as UTF-8 at all. Either, stored, fails the
statement: found here first, it is the client's `400` naming the field, or a poison message."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from servicekit.problems import Problem

# JSON escapes that may decode to such text: a cheap test of the raw body before decoding it.
_SUSPECT_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")


def why_unstorable(text: str) -> str | None:
    """Why `text` cannot be stored, or None when it can."""
    if "\x00" in text:
        return "contains the NUL character (U+0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone UTF-16 surrogate, which is not valid Unicode text"
    return None


def unstorable_field(value: Any, field: str = "") -> tuple[str, str] | None:
    """The first string (or object key) in a decoded JSON value that cannot be stored, as
    (field, why), the field named as the problem bodies name fields: `items[0].sku`."""
    if isinstance(value, str):
        why = why_unstorable(value)
        return None if why is None else (field or "body", why)
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{field}.{key}" if field else str(key)
            why = why_unstorable(key)
            if why is not None:
                return inner, f"the key {why}"
            found = unstorable_field(item, inner)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable_field(item, f"{field}[{index}]")
            if found is not None:
                return found
    return None


def may_hold_unstorable(raw: bytes) -> bool:
    """False when a JSON body cannot decode to unstorable text (no escape that could)."""
    return _SUSPECT_ESCAPE.search(raw) is not None


def unstorable_problem(field: str, why: str) -> Problem:
    return Problem(400, "Invalid text", f"{field}: {why}", [{"field": field, "message": why}])


async def reject_unstorable_parameters(request: Request) -> None:
    """A dependency of every route: path and query parameters are text the handlers may store
    or look up (Postgres refuses a NUL even in a WHERE clause)."""
    for field, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        why = why_unstorable(str(value))
        if why is not None:
            raise unstorable_problem(field, why)
