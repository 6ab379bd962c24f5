"""JSONPath for ASL: Paths (`$.a.b`, `$$.Execution.Id`, `$var.x`) and Reference Paths.

"A Path is a string, beginning with `$`, used to identify components with a JSON text."
"A Reference Path is a Path with syntax limited in such a way that it can only identify a
single node." Context paths begin with `$$`; variable paths (JSONPath states reading `Assign`ed
variables) begin with `$name`.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as _jp_parse

from .errors import ResultPathMatchFailure

_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$", re.DOTALL)
# Any of these makes a path "indefinite": it yields a list of every match.
_INDEFINITE = re.compile(r"\*|\.\.|\[\?|\[[^\]]*[:,][^\]]*\]")


class PathNotFound(Exception):
    """The path is valid but names nothing in the document."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class InvalidPath(ValueError):
    """The text is not a JSONPath this engine accepts."""


@dataclass
class Env:
    """What a path or expression can see besides the state's input."""

    context: dict[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledPath:
    text: str
    root: str  # "input" | "context" | "variable"
    variable: str | None
    expr: JSONPath | None  # None means the root itself (or `steps` says where to go)
    definite: bool
    steps: tuple[str | int, ...] | None = None  # a plain key/index walk, no JSONPath engine


@lru_cache(maxsize=4096)
def compile_path(text: str) -> CompiledPath:
    """Parse a Path once; raises InvalidPath."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise InvalidPath(f"path must begin with '$': {text!r}")
    if text.startswith("$$"):
        root, variable, rest = "context", None, text[2:]
    else:
        m = _VARIABLE.match(text)
        if m:
            root, variable, rest = "variable", m.group(1), m.group(2)
        else:
            root, variable, rest = "input", None, text[1:]
    rest = rest.strip()
    expr: JSONPath | None = None
    try:
        # Most paths are plain `.a['b'][0]` walks: no need for (nor quirks of) a JSONPath engine.
        return CompiledPath(text, root, variable, None, True, reference_steps("$" + rest))
    except InvalidPath:
        pass
    if rest:
        if rest[0] not in ".[":
            raise InvalidPath(f"invalid path: {text!r}")
        try:
            expr = _jp_parse("$" + rest)
        except (JsonPathParserError, JsonPathLexerError, Exception) as exc:
            raise InvalidPath(f"invalid path {text!r}: {exc}") from exc
    return CompiledPath(text, root, variable, expr, not _INDEFINITE.search(rest))


def is_valid_path(text: Any) -> bool:
    try:
        compile_path(text)
    except InvalidPath:
        return False
    return True


def read_path(text: str, data: Any, env: Env) -> Any:
    """Evaluate a Path against `data` (the `$` document). Raises PathNotFound / InvalidPath.

    A definite path yields its single node; an indefinite one (wildcards, filters, slices,
    `..`) yields the list of every match, as AWS does.
    """
    path = compile_path(text)
    if path.root == "context":
        doc = env.context
    elif path.root == "variable":
        assert path.variable is not None
        if path.variable not in env.variables:
            raise PathNotFound(text)
        doc = env.variables[path.variable]
    else:
        doc = data
    if path.steps is not None:
        for step in path.steps:
            if isinstance(step, int):
                if not isinstance(doc, list) or step >= len(doc):
                    raise PathNotFound(text)
            elif not isinstance(doc, dict) or step not in doc:
                raise PathNotFound(text)
            doc = doc[step]
        return doc
    if path.expr is None:
        return doc
    matches = path.expr.find(doc)
    if path.definite:
        if not matches:
            raise PathNotFound(text)
        return matches[0].value
    return [m.value for m in matches]


# ---- Reference Paths (ResultPath) ----------------------------------------------------------

_STEP = re.compile(r"\.([^.\[\]*]+)|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]|\[(\d+)\]")


@lru_cache(maxsize=2048)
def reference_steps(text: str) -> tuple[str | int, ...]:
    """Split a Reference Path into keys and indices; raises InvalidPath."""
    if not isinstance(text, str) or not text.startswith("$") or text.startswith("$$"):
        raise InvalidPath(f"reference path must begin with '$': {text!r}")
    rest, pos = text[1:], 0
    steps: list[str | int] = []
    while pos < len(rest):
        m = _STEP.match(rest, pos)
        if not m:
            raise InvalidPath(f"invalid reference path: {text!r}")
        if m.group(4) is not None:
            steps.append(int(m.group(4)))
        else:
            steps.append(next(g for g in m.groups()[:3] if g is not None))
        pos = m.end()
    return tuple(steps)


def apply_result_path(raw_input: Any, result_path: str | None, result: Any) -> Any:
    """ResultPath: where the state's result goes in its input. `None` (JSON null) discards it.

    "If the ResultPath ... does not match an item in the state's input, a new field is added";
    a step through a value that is not an object fails with States.ResultPathMatchFailure.
    """
    if result_path is None:
        return raw_input
    steps = reference_steps(result_path)
    if not steps:
        return result
    doc = copy.deepcopy(raw_input)
    node = doc
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                raise _match_failure(result_path, raw_input)
            if last:
                node[step] = result
            else:
                node = node[step]
            continue
        if not isinstance(node, dict):
            raise _match_failure(result_path, raw_input)
        if last:
            node[step] = result
        else:
            if step not in node:
                node[step] = {}
            elif not isinstance(node[step], (dict, list)):
                raise _match_failure(result_path, raw_input)
            node = node[step]
    return doc


def _match_failure(path: str, doc: Any) -> ResultPathMatchFailure:
    return ResultPathMatchFailure(f"Unable to apply ResultPath '{path}' to input '{to_json(doc)}'")


# Made once (json.dumps with arguments builds an encoder per call); values here come from JSON,
# so they hold no cycles to check for.
_AWS_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def to_json(value: Any) -> str:
    """JSON text as AWS prints it in history and causes: compact, non-ASCII kept."""
    return _AWS_JSON.encode(value)
