"""JSONata for ASL (`"QueryLanguage": "JSONata"`): `{% expression %}` strings and templates.

An expression sees `$states` (`input`, `context`, `result`, `errorOutput`) and the execution's
variables as `$name`. "If a JSONata expression evaluates to undefined ... the state fails with
States.QueryEvaluationError."
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

import jsonata
from jsonata.jexception import JException
from jsonata.utils import Utils

from .api import Entropy
from .errors import QueryEvaluationError
from .jsonata_functions import bind_aws_functions

_UNDEFINED = object()


def is_expression(value: Any) -> bool:
    """Whether `value` is a `{% ... %}` JSONata expression string."""
    return (
        isinstance(value, str)
        and value.startswith("{%")
        and value.endswith("%}")
        and len(value) >= 4
    )


def expression_body(value: str) -> str:
    return value[2:-2].strip()


@lru_cache(maxsize=2048)
def compile_expression(body: str) -> jsonata.Jsonata:
    """Parse one JSONata expression; raises JException on a syntax error."""
    expr = jsonata.Jsonata(body)
    expr.set_output_convert_nulls(False)
    return expr


def check_expression(value: str) -> str | None:
    """A problem text when the expression does not parse, else None."""
    try:
        compile_expression(expression_body(value))
    except (JException, Exception) as exc:
        return f"invalid JSONata expression {value!r}: {exc}"
    return None


def evaluate(
    value: str,
    bindings: Mapping[str, Any],
    field: str,
    now: datetime,
    entropy: Entropy | None = None,
) -> Any:
    """Evaluate one `{% %}` string. Undefined results raise States.QueryEvaluationError."""
    body = expression_body(value)
    try:
        expr = compile_expression(body)
        frame = expr.create_frame(expr.environment)
        for name, val in bindings.items():
            # A variable holding JSON null must read as null, not as "undefined".
            frame.bind(name, Utils.NULL_VALUE if val is None else val)
        _bind_clock(frame, now)
        bind_aws_functions(frame, entropy)
        result = expr.evaluate(None, frame)
    except JException as exc:
        raise QueryEvaluationError(
            f"The JSONata expression '{body}' specified for the field '{field}' threw an "
            f"error during evaluation: {exc}",
            location=field,
        ) from exc
    except (RecursionError, ValueError, TypeError) as exc:
        raise QueryEvaluationError(f"JSONata evaluation of '{body}' failed: {exc}") from exc
    if result is None:
        raise QueryEvaluationError(
            f"The JSONata expression '{body}' specified for the field '{field}' returned "
            "nothing (undefined).",
            location=field,
        )
    if _is_function(result):
        raise QueryEvaluationError(
            f"The JSONata expression '{body}' specified for the field '{field}' returned an "
            "unsupported result type.",
            location=field,
        )
    return _plain(result)


def evaluate_template(
    template: Any,
    bindings: Mapping[str, Any],
    field: str,
    now: datetime,
    entropy: Entropy | None = None,
) -> Any:
    """Evaluate every `{% %}` string inside a JSON template (Arguments, Output, Assign...).

    A nested expression is named by its key path in errors: `Output/result`.
    """
    if is_expression(template):
        return evaluate(template, bindings, field, now, entropy)
    if isinstance(template, dict):
        return {
            k: evaluate_template(v, bindings, f"{field}/{k}", now, entropy)
            for k, v in template.items()
        }
    if isinstance(template, list):
        return [evaluate_template(v, bindings, field, now, entropy) for v in template]
    return template


def validate_template(template: Any, where: str, problems: list[str]) -> None:
    if is_expression(template):
        problem = check_expression(template)
        if problem:
            problems.append(f"{where}: {problem}")
    elif isinstance(template, dict):
        for k, v in template.items():
            validate_template(v, f"{where}.{k}", problems)
    elif isinstance(template, list):
        for i, v in enumerate(template):
            validate_template(v, f"{where}[{i}]", problems)


def _plain(value: Any) -> Any:
    """JSONata values to plain JSON: its null marker to None, integral floats kept as JSON has."""
    value = Utils.convert_nulls(value)
    return _normalize(value)


def _normalize(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if _is_function(value):
        raise QueryEvaluationError("a JSONata function is not a JSON value")
    return value


def _is_function(value: Any) -> bool:
    return callable(value) or type(value).__name__ in ("JLambda", "Symbol", "JFunction")


def _bind_clock(frame: Any, now: datetime) -> None:
    """`$now()` and `$millis()` read the engine's clock, never the wall clock."""
    millis = int(now.timestamp() * 1000)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    frame.bind("now", jsonata.Jsonata.JLambda(lambda *_: stamp))
    frame.bind("millis", jsonata.Jsonata.JLambda(lambda *_: millis))
