"""The 18 intrinsic functions of ASL, as `(arguments, entropy) -> value` callables.

Argument errors raise States.IntrinsicFailure. MathRandom and UUID use the Entropy.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

from .api import Entropy
from .errors import IntrinsicFailure
from .paths import to_json


def _arity(args: list[Any], name: str, *counts: int) -> None:
    if len(args) not in counts:
        raise IntrinsicFailure(
            f"Function {name} expects {' or '.join(map(str, counts))} arguments, got {len(args)}"
        )


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _as_int(v: Any, name: str) -> int:
    if _is_int(v):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise IntrinsicFailure(f"Function {name} expects an integer argument, got {to_json(v)}")


def _format(args: list[Any], _: Entropy) -> str:
    if not args or not isinstance(args[0], str):
        raise IntrinsicFailure("States.Format expects a string template as its first argument")
    template, values = args[0], args[1:]
    out: list[str] = []
    i, used = 0, 0
    while i < len(template):
        ch = template[i]
        if ch == "\\" and i + 1 < len(template) and template[i + 1] in "{}":
            out.append(template[i + 1])
            i += 2
            continue
        if template.startswith("{}", i):
            if used >= len(values):
                raise IntrinsicFailure("States.Format: more placeholders than arguments")
            out.append(_format_value(values[used]))
            used += 1
            i += 2
            continue
        out.append(ch)
        i += 1
    if used != len(values):
        raise IntrinsicFailure("States.Format: fewer placeholders than arguments")
    return "".join(out)


def _format_value(v: Any) -> str:
    """How AWS prints a value into a Format template (Java's toString of the JSON value)."""
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}={_format_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_format_value(x) for x in v) + "]"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return repr(v)
    return to_json(v)


def _string_to_json(args: list[Any], _: Entropy) -> Any:
    _arity(args, "States.StringToJson", 1)
    if not isinstance(args[0], str):
        raise IntrinsicFailure("States.StringToJson expects a string")
    return json.loads(args[0]) if args[0].strip() else None


def _json_to_string(args: list[Any], _: Entropy) -> str:
    _arity(args, "States.JsonToString", 1)
    return to_json(args[0])


def _array_partition(args: list[Any], _: Entropy) -> list[Any]:
    _arity(args, "States.ArrayPartition", 2)
    arr, size = args[0], args[1]
    if not isinstance(arr, list):
        raise IntrinsicFailure("States.ArrayPartition expects an array")
    n = _as_int(size, "States.ArrayPartition")
    if n <= 0:
        raise IntrinsicFailure("States.ArrayPartition chunk size must be greater than 0")
    return [arr[i : i + n] for i in range(0, len(arr), n)]


def _array_contains(args: list[Any], _: Entropy) -> bool:
    _arity(args, "States.ArrayContains", 2)
    if not isinstance(args[0], list):
        raise IntrinsicFailure("States.ArrayContains expects an array")
    return any(_json_equal(x, args[1]) for x in args[0])


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _array_range(args: list[Any], _: Entropy) -> list[int]:
    _arity(args, "States.ArrayRange", 3)
    start, end, step = (_as_int(a, "States.ArrayRange") for a in args)
    if step == 0:
        raise IntrinsicFailure("States.ArrayRange step cannot be 0")
    out = list(range(start, end + (1 if step > 0 else -1), step))
    if len(out) > 1000:
        raise IntrinsicFailure("States.ArrayRange cannot produce more than 1000 items")
    return out


def _array_get_item(args: list[Any], _: Entropy) -> Any:
    _arity(args, "States.ArrayGetItem", 2)
    arr, idx = args[0], _as_int(args[1], "States.ArrayGetItem")
    if not isinstance(arr, list):
        raise IntrinsicFailure("States.ArrayGetItem expects an array")
    if idx < 0 or idx >= len(arr):
        raise IntrinsicFailure(f"States.ArrayGetItem index {idx} out of bounds")
    return arr[idx]


def _array_length(args: list[Any], _: Entropy) -> int:
    _arity(args, "States.ArrayLength", 1)
    if not isinstance(args[0], list):
        raise IntrinsicFailure("States.ArrayLength expects an array")
    return len(args[0])


def _array_unique(args: list[Any], _: Entropy) -> list[Any]:
    _arity(args, "States.ArrayUnique", 1)
    if not isinstance(args[0], list):
        raise IntrinsicFailure("States.ArrayUnique expects an array")
    out: list[Any] = []
    for x in args[0]:
        if not any(_json_equal(x, y) for y in out):
            out.append(x)
    return out


def _base64_encode(args: list[Any], _: Entropy) -> str:
    _arity(args, "States.Base64Encode", 1)
    if not isinstance(args[0], str):
        raise IntrinsicFailure("States.Base64Encode expects a string")
    return base64.b64encode(args[0].encode()).decode()


def _base64_decode(args: list[Any], _: Entropy) -> str:
    _arity(args, "States.Base64Decode", 1)
    if not isinstance(args[0], str):
        raise IntrinsicFailure("States.Base64Decode expects a string")
    return base64.b64decode(args[0].encode()).decode()


_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _hash(args: list[Any], _: Entropy) -> str:
    _arity(args, "States.Hash", 2)
    data, algorithm = args
    if algorithm not in _HASHES:
        raise IntrinsicFailure(
            f"States.Hash algorithm must be one of {', '.join(_HASHES)}; got {algorithm!r}"
        )
    text = data if isinstance(data, str) else to_json(data)
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _json_merge(args: list[Any], _: Entropy) -> dict[str, Any]:
    _arity(args, "States.JsonMerge", 3)
    a, b, deep = args
    if not isinstance(a, dict) or not isinstance(b, dict):
        raise IntrinsicFailure("States.JsonMerge expects two objects")
    if deep is not False:
        raise IntrinsicFailure("States.JsonMerge only supports a shallow merge (false)")
    return {**a, **b}


def _math_random(args: list[Any], entropy: Entropy) -> int:
    _arity(args, "States.MathRandom", 2, 3)
    start, end = _as_int(args[0], "States.MathRandom"), _as_int(args[1], "States.MathRandom")
    if end <= start:
        raise IntrinsicFailure("States.MathRandom end must be greater than start")
    if len(args) == 3:
        # A seeded draw must repeat for the same seed: derive it from the seed itself.
        seed = _as_int(args[2], "States.MathRandom")
        digest = int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "big")
        return start + digest % (end - start)
    return start + min(math.floor(entropy.uniform(0, end - start)), end - start - 1)


def _math_add(args: list[Any], _: Entropy) -> int:
    _arity(args, "States.MathAdd", 2)
    return _rounded(args[0]) + _rounded(args[1])


def _rounded(v: Any) -> int:
    """MathAdd rounds each operand half up, as Java's Math.round: -1.5 -> -1, 2.5 -> 3."""
    if _is_int(v):
        return int(v)
    if isinstance(v, float):
        return math.floor(v + 0.5)
    raise IntrinsicFailure(f"Function States.MathAdd expects numbers, got {to_json(v)}")


def _string_split(args: list[Any], _: Entropy) -> list[str]:
    _arity(args, "States.StringSplit", 2)
    text, delims = args
    if not isinstance(text, str) or not isinstance(delims, str):
        raise IntrinsicFailure("States.StringSplit expects two strings")
    if not delims:
        return [text] if text else []
    pattern = "[" + re.escape(delims) + "]"
    return [part for part in re.split(pattern, text) if part]


def _uuid(args: list[Any], entropy: Entropy) -> str:
    _arity(args, "States.UUID", 0)
    return entropy.new_uuid()


FUNCTIONS: dict[str, Callable[[list[Any], Entropy], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": lambda args, _: list(args),
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
