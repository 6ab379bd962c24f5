"""Intrinsic functions: parsing and each function's result."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.engine.errors import IntrinsicFailure
from orchestrator.engine.intrinsics import IntrinsicSyntaxError, evaluate_intrinsic, parse_intrinsic
from orchestrator.engine.paths import Env
from tests.unit.engine.engine_fakes import FakeEntropy

DATA = {"s": "a,b,,c", "xs": [1, 2, 2, 3], "o": {"k": 1}, "n": 3}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("States.Format('{} and {}', $.n, 'x\\'y')", "3 and x'y"),
        ("States.Format('\\{literal\\} {}', $.o)", "{literal} {k=1}"),
        ("States.StringToJson('{\"a\": [1]}')", {"a": [1]}),
        ("States.JsonToString($.o)", '{"k":1}'),
        ("States.Array(1, 'two', null, true)", [1, "two", None, True]),
        ("States.ArrayPartition($.xs, 3)", [[1, 2, 2], [3]]),
        ("States.ArrayContains($.xs, 3)", True),
        ("States.ArrayRange(1, 9, 4)", [1, 5, 9]),
        ("States.ArrayGetItem($.xs, 3)", 3),
        ("States.ArrayLength($.xs)", 4),
        ("States.ArrayUnique($.xs)", [1, 2, 3]),
        ("States.Base64Encode('hi')", "aGk="),
        ("States.Base64Decode('aGk=')", "hi"),
        ("States.Hash('abc', 'SHA-1')", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("States.JsonMerge($.o, States.StringToJson('{\"z\": 2}'), false)", {"k": 1, "z": 2}),
        ("States.MathAdd($.n, -5)", -2),
        ("States.StringSplit($.s, ',')", ["a", "b", "c"]),
    ],
)
def test_functions(expr: str, expected: Any) -> None:
    assert evaluate_intrinsic(expr, DATA, Env(), FakeEntropy()) == expected


def test_random_and_uuid_come_from_entropy() -> None:
    entropy = FakeEntropy(fraction=0.0)
    assert evaluate_intrinsic("States.MathRandom(10, 20)", DATA, Env(), entropy) == 10
    assert evaluate_intrinsic("States.UUID()", DATA, Env(), entropy) == (
        "00000000-0000-0000-0000-000000000001"
    )


@pytest.mark.parametrize(
    "expr", ["States.Nope(1)", "States.Format('x'", "Format('x')", "States.Array(1 2)"]
)
def test_syntax_errors(expr: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        parse_intrinsic(expr)


def test_runtime_failures_are_intrinsic_failures() -> None:
    with pytest.raises(IntrinsicFailure):
        evaluate_intrinsic("States.ArrayGetItem($.xs, 10)", DATA, Env(), FakeEntropy())
    with pytest.raises(IntrinsicFailure):
        evaluate_intrinsic("States.Format('{} {}', 1)", DATA, Env(), FakeEntropy())
