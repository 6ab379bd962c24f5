"""Text a store cannot keep, found in decoded JSON and named as problem bodies name fields."""

from __future__ import annotations

import json

import pytest

from servicekit.messages import PoisonMessage, decode_json_object
from servicekit.storable import may_hold_unstorable, unstorable_field


def test_storable_json_has_nothing_to_name() -> None:
    assert unstorable_field({"a": ["x", {"b": "é 😀"}], "n": 1, "none": None}) is None


def test_nul_is_named_by_its_path() -> None:
    found = unstorable_field({"a": [{"b": "ok"}, {"b": "x\x00y"}]})
    assert found is not None
    assert found[0] == "a[1].b"
    assert "U+0000" in found[1]


def test_lone_surrogate_is_named() -> None:
    found = unstorable_field(json.loads('{"input": {"s": "\\udc00"}}'))
    assert found is not None and found[0] == "input.s"


def test_a_bad_key_is_named() -> None:
    found = unstorable_field({"a": {"k\x00": 1}})
    assert found is not None and found[0] == "a.k\x00"


def test_a_top_level_string_is_the_body() -> None:
    assert unstorable_field("\x00") == ("body", unstorable_field({"x": "\x00"})[1])  # type: ignore[index]


def test_only_suspect_escapes_cost_a_decode() -> None:
    assert not may_hold_unstorable(b'{"a": "plain \\u00e9 text"}')
    assert may_hold_unstorable(b'{"a": "\\u0000"}')
    assert may_hold_unstorable(b'{"a": "\\uD83D\\uDE00"}')  # a pair: decoded, then found fine
    assert unstorable_field(json.loads(b'{"a": "\\uD83D\\uDE00"}')) is None


def test_a_message_no_store_can_keep_is_poison() -> None:
    # A reply whose output holds a NUL would fail every transaction that tried to record it.
    with pytest.raises(PoisonMessage, match=r"output\.note"):
        decode_json_object(b'{"taskToken": "t", "output": {"note": "\\u0000"}}')


def test_a_message_nested_too_deep_to_decode_is_poison() -> None:
    with pytest.raises(PoisonMessage, match="not JSON"):
        decode_json_object(b"[" * 100_000 + b"]" * 100_000)
