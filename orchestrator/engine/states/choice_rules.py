"""Choice Rules: comparisons, And/Or/Not, and JSONata `Condition`.

"A Choice Rule ... consists of a Variable, a comparison operator and a value", or a boolean
combination (And, Or, Not). Comparing values of the wrong type is not an error: it is false.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..paths import Env, InvalidPath, PathNotFound, compile_path, read_path

_BASE_OPS = (
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
)
_TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
OPERATORS = frozenset(_BASE_OPS) | {f"{op}Path" for op in _BASE_OPS if op != "StringMatches"}
OPERATORS |= frozenset(_TYPE_TESTS)


class RuleFailure(Exception):
    """A rule that cannot be evaluated (a `...Path` value that names nothing)."""


@dataclass(frozen=True)
class Comparison:
    variable: str
    operator: str
    value: Any

    def evaluate(self, data: Any, env: Env) -> bool:
        try:
            actual = read_path(self.variable, data, env)
            present = True
        except PathNotFound:
            actual, present = None, False
        op = self.operator
        if op == "IsPresent":
            return present is bool(self.value)
        if not present:
            if op in _TYPE_TESTS:
                return not self.value  # "IsX: false" holds for a missing value
            raise RuleFailure(
                f"Invalid path '{self.variable}': The choice state's condition "
                "path references an invalid value."
            )
        if op in _TYPE_TESTS:
            return _type_test(op, actual) is bool(self.value)
        expected = self.value
        if op.endswith("Path"):
            op = op[:-4]
            try:
                expected = read_path(self.value, data, env)
            except PathNotFound as exc:
                raise RuleFailure(
                    f"Invalid path '{self.value}': The choice state's condition "
                    "path references an invalid value."
                ) from exc
        return _compare(op, actual, expected)


@dataclass(frozen=True)
class Combination:
    kind: str  # And | Or | Not
    rules: tuple[Any, ...]

    def evaluate(self, data: Any, env: Env) -> bool:
        if self.kind == "And":
            return all(r.evaluate(data, env) for r in self.rules)
        if self.kind == "Or":
            return any(r.evaluate(data, env) for r in self.rules)
        return not self.rules[0].evaluate(data, env)


Rule = Comparison | Combination


def parse_rule(raw: Any, where: str, top: bool, problems: list[str]) -> Rule | None:
    """Parse one Choice Rule (Next only at the top level); None if it is unusable."""
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object")
        return None
    allowed = {"Variable", "And", "Or", "Not", "Comment"} | OPERATORS
    if top:
        allowed |= {"Next", "Assign", "Output"}
    for key in raw:
        if key not in allowed:
            problems.append(f"{where}: field '{key}' is not allowed in a Choice Rule")
    combos = [k for k in ("And", "Or", "Not") if k in raw]
    ops = [k for k in raw if k in OPERATORS]
    if len(combos) + len(ops) != 1:
        problems.append(
            f"{where}: a Choice Rule needs exactly one comparison operator or one of And / Or / Not"
        )
        return None
    if combos:
        kind = combos[0]
        body = raw[kind]
        items = [body] if kind == "Not" else body
        if kind != "Not" and (not isinstance(body, list) or not body):
            problems.append(f"{where}.{kind} must be a non-empty array")
            return None
        rules = [
            parse_rule(r, f"{where}.{kind}[{i}]", False, problems) for i, r in enumerate(items)
        ]
        if any(r is None for r in rules):
            return None
        return Combination(kind, tuple(rules))
    op = ops[0]
    variable = raw.get("Variable")
    try:
        compile_path(variable)
    except InvalidPath:
        problems.append(f"{where}: Variable must be a valid path, got {variable!r}")
        return None
    value = raw[op]
    if op.endswith("Path") and op != "IsPresent":
        try:
            compile_path(value)
        except InvalidPath:
            problems.append(f"{where}.{op}: must be a valid path, got {value!r}")
            return None
    elif not _valid_operand(op, value):
        problems.append(f"{where}.{op}: invalid operand {value!r}")
        return None
    return Comparison(str(variable), op, value)


def _valid_operand(op: str, value: Any) -> bool:
    if op in _TYPE_TESTS or op == "BooleanEquals":
        return isinstance(value, bool)
    if op.startswith("Numeric"):
        return _is_number(value)
    if op.startswith("Timestamp"):
        return isinstance(value, str) and parse_timestamp(value) is not None
    return isinstance(value, str)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


def parse_timestamp(text: Any) -> datetime | None:
    """An RFC 3339 timestamp ("2016-03-14T01:59:00Z"), or None."""
    if not isinstance(text, str) or not _TIMESTAMP.match(text):
        return None
    value = text.upper()
    main, _, rest = value.partition(".")
    if rest:  # Python takes at most 6 fraction digits
        m = re.match(r"(\d+)(.*)", rest)
        assert m is not None
        value = f"{main}.{m.group(1)[:6].ljust(6, '0')}{m.group(2)}"
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _type_test(op: str, v: Any) -> bool:
    if op == "IsNull":
        return v is None
    if op == "IsNumeric":
        return _is_number(v)
    if op == "IsString":
        return isinstance(v, str)
    if op == "IsBoolean":
        return isinstance(v, bool)
    return parse_timestamp(v) is not None  # IsTimestamp


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op.startswith("String"):
        if not isinstance(actual, str) or not isinstance(expected, str):
            return False
        if op == "StringMatches":
            return _matches(actual, expected)
        return _order(op[6:], actual, expected)
    if op.startswith("Numeric"):
        if not _is_number(actual) or not _is_number(expected):
            return False
        return _order(op[7:], actual, expected)
    if op == "BooleanEquals":
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    a, b = parse_timestamp(actual), parse_timestamp(expected)
    if a is None or b is None:
        return False
    return _order(op[9:], a, b)


def _order(rel: str, a: Any, b: Any) -> bool:
    return {
        "Equals": a == b,
        "LessThan": a < b,
        "GreaterThan": a > b,
        "LessThanEquals": a <= b,
        "GreaterThanEquals": a >= b,
    }[rel]


def _matches(text: str, pattern: str) -> bool:
    """StringMatches: `*` matches any run of characters; `\\*` is a literal star."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.fullmatch("".join(out), text, re.DOTALL) is not None
