"""compact_json and json_bytes: orjson where it can, the json module where it cannot, the same
value either way."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from servicekit.json_text import compact_json, json_bytes

VALUES: list[Any] = [
    {"type": "TaskScheduled", "parameters": {"n": [1, 2.5, None, True], "s": "été ✓ \u2028"}},
    [0.1, 1e16, 1e-7, -0.0, 2**63 - 1, -(2**63)],
    'a"b\\c\n',
    None,
]
# What orjson refuses and the json module writes: still encoded, exactly.
REFUSED_BY_ORJSON: list[Any] = [
    {"big": 2**70, "negative": -(2**80)},
    {1: "an int key", "2": "a str key"},
]


@pytest.mark.parametrize("value", VALUES + REFUSED_BY_ORJSON)
def test_the_text_decodes_to_what_the_json_module_makes_of_the_value(value: Any) -> None:
    expected = json.loads(json.dumps(value))
    assert json.loads(compact_json(value)) == expected
    assert json.loads(json_bytes(value)) == expected


@pytest.mark.parametrize("value", VALUES + REFUSED_BY_ORJSON)
def test_the_text_is_compact(value: Any) -> None:
    text = compact_json(value)
    outside_strings = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    assert not re.search(r"\s", outside_strings), text
    assert json_bytes(value).decode() == text


def test_integers_beyond_64_bits_keep_every_digit() -> None:
    assert compact_json({"big": 2**70}) == '{"big":1180591620717411303424}'


def test_a_value_neither_can_encode_is_refused() -> None:
    with pytest.raises(TypeError):
        compact_json({"when": object()})
