"""Payload templates: `Parameters`, `ResultSelector`, `ItemSelector` and JSONPath `Assign`.

"For key-value pairs where the value is selected using a path, the key name must end in `.$`."
The value of such a key is a Path, a context Path (`$$.`), a variable Path (`$name`) or an
intrinsic function call.
"""

from __future__ import annotations

from typing import Any

from .api import Entropy
from .errors import RuntimeFailure
from .intrinsics import IntrinsicSyntaxError, evaluate_intrinsic, looks_like_intrinsic
from .intrinsics import parse_intrinsic as _parse_intrinsic
from .paths import Env, InvalidPath, PathNotFound, compile_path, read_path, to_json


def validate_template(template: Any, where: str, problems: list[str]) -> None:
    """Append a problem for each `.$` field whose value is not a valid path or intrinsic."""
    if isinstance(template, dict):
        for key, value in template.items():
            if isinstance(key, str) and key.endswith(".$"):
                _validate_dynamic(value, f"{where}.{key}", problems)
            else:
                validate_template(value, f"{where}.{key}", problems)
    elif isinstance(template, list):
        for i, item in enumerate(template):
            validate_template(item, f"{where}[{i}]", problems)


def _validate_dynamic(value: Any, where: str, problems: list[str]) -> None:
    if not isinstance(value, str):
        problems.append(f"{where}: the value of a '.$' field must be a path or intrinsic")
        return
    try:
        if looks_like_intrinsic(value):
            _parse_intrinsic(value)
        else:
            compile_path(value)
    except (IntrinsicSyntaxError, InvalidPath) as exc:
        problems.append(f"{where}: {exc}")


def evaluate_template(template: Any, data: Any, env: Env, entropy: Entropy) -> Any:
    """Build the payload: copy literal values, resolve each `.$` field against `data`."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if isinstance(key, str) and key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = evaluate_dynamic(value, key, data, env, entropy)
            else:
                out[key] = evaluate_template(value, data, env, entropy)
        return out
    if isinstance(template, list):
        return [evaluate_template(item, data, env, entropy) for item in template]
    return template


def evaluate_dynamic(value: str, field: str, data: Any, env: Env, entropy: Entropy) -> Any:
    """Resolve one `.$` value (path or intrinsic call)."""
    if looks_like_intrinsic(value):
        return evaluate_intrinsic(value, data, env, entropy)
    try:
        return read_path(value, data, env)
    except PathNotFound as exc:
        doc = env.context if value.startswith("$$") else data
        # AWS's words, "input" for a context path too (as its recorded causes show).
        raise RuntimeFailure(
            f"The JSONPath '{value}' specified for the field '{field}' could not be found in "
            f"the input '{to_json(doc)}'"
        ) from exc
    except InvalidPath as exc:
        raise RuntimeFailure(str(exc)) from exc
