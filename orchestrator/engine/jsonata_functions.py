"""The functions Step Functions adds to JSONata: $partition, $range, $hash, $random, $uuid,
$parse. `$random` and `$uuid` draw from the execution's Entropy, never from `random`."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import jsonata
from jsonata.jexception import JException
from jsonata.utils import Utils

from .api import Entropy

_HASHES = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _fail(message: str) -> JException:
    return JException(message, 0)


def _partition(array: Any, size: Any = None) -> list[Any]:
    if not isinstance(array, list) or not isinstance(size, (int, float)) or size < 1:
        raise _fail("$partition expects an array and a positive chunk size")
    n = int(size)
    return [list(array[i : i + n]) for i in range(0, len(array), n)]


def _range(start: Any, end: Any = None, step: Any = None) -> Any:
    if not all(isinstance(v, (int, float)) for v in (start, end, step)) or not step:
        raise _fail("$range expects three numbers and a non-zero step")
    out = Utils.create_sequence()
    value = start
    while (step > 0 and value <= end) or (step < 0 and value >= end):
        out.append(_num(value))
        value += step
    return out


def _num(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _hash(data: Any, algorithm: Any = None) -> str:
    if algorithm not in _HASHES:
        raise _fail(f"$hash algorithm must be one of {', '.join(_HASHES)}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        raise _fail("$parse expects a string")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"$parse: invalid JSON: {exc}") from exc
    return Utils.NULL_VALUE if value is None else _jsonish(value)


def _jsonish(value: Any) -> Any:
    if isinstance(value, float) and value == 0 and math.copysign(1, value) < 0:
        return 0
    return value


def bind_aws_functions(frame: Any, entropy: Entropy | None) -> None:
    """Bind the Step Functions JSONata extensions into an evaluation frame."""
    frame.bind("partition", jsonata.Jsonata.JLambda(_partition))
    frame.bind("range", jsonata.Jsonata.JLambda(_range))
    frame.bind("hash", jsonata.Jsonata.JLambda(_hash))
    frame.bind("parse", jsonata.Jsonata.JLambda(_parse))
    if entropy is not None:
        source = entropy
        frame.bind("uuid", jsonata.Jsonata.JLambda(lambda *_: source.new_uuid()))
        frame.bind("random", jsonata.Jsonata.JLambda(lambda *_: source.uniform(0.0, 1.0)))
