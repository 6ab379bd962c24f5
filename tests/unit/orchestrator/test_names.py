"""AWS's naming rule, and the JSON Schema pattern the OpenAPI document shows for it."""

from __future__ import annotations

import re

import pytest

from orchestrator.names import NAME_PATTERN, name_problem

VALID = ["order-fulfillment", "a", "x" * 80, "v1.2_final", "café", "order-3f2a"]
INVALID = ["", "x" * 81, "a b", "a\tb", "a:b", "a/b", "<a>", "{a}", "[a]", "a?", "a*", '"a"',
           "#a", "a%", "a\\b", "a^", "a|b", "a~", "a`", "a$", "a&b", "a,b", "a;b", "a\x00",
           "a\x1f", "a\x7f", "a\x9f"]  # fmt: skip


@pytest.mark.parametrize("name", VALID)
def test_valid_names(name: str) -> None:
    assert name_problem(name) is None
    assert re.fullmatch(NAME_PATTERN, name)


@pytest.mark.parametrize("name", INVALID)
def test_invalid_names_say_why(name: str) -> None:
    assert name_problem(name)
    assert not re.fullmatch(NAME_PATTERN, name)
