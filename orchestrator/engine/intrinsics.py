"""Intrinsic functions: `States.Format('{}', $.x)` and the other 17.

Parsed once into a small tree (`Call`, `Literal`, `PathArg`), evaluated against the state's
input, the context object and variables. MathRandom and UUID draw from the execution's Entropy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .api import Entropy
from .errors import IntrinsicFailure
from .intrinsic_functions import FUNCTIONS
from .paths import Env, InvalidPath, PathNotFound, compile_path, read_path, to_json


class IntrinsicSyntaxError(ValueError):
    """Not a well-formed intrinsic function call."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class PathArg:
    path: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | PathArg | Call, ...]


Arg = Literal | PathArg | Call

_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def looks_like_intrinsic(text: str) -> bool:
    return text.lstrip().startswith("States.")


@lru_cache(maxsize=2048)
def parse_intrinsic(text: str) -> Call:
    """Parse `States.X(...)`; raises IntrinsicSyntaxError (and checks the function exists)."""
    parser = _Parser(text)
    call = parser.call()
    parser.skip_ws()
    if parser.pos != len(text):
        raise IntrinsicSyntaxError(f"unexpected text after intrinsic call: {text!r}")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self) -> Call:
        self.skip_ws()
        m = _NAME.match(self.text, self.pos)
        if not m:
            raise IntrinsicSyntaxError(f"expected States.<Function>: {self.text!r}")
        name = m.group(0)
        if name not in FUNCTIONS:
            raise IntrinsicSyntaxError(f"unknown intrinsic function {name}")
        self.pos = m.end()
        self.skip_ws()
        self.expect("(")
        args: list[Arg] = []
        self.skip_ws()
        if self.peek() == ")":
            self.pos += 1
            return Call(name, ())
        while True:
            args.append(self.arg())
            self.skip_ws()
            ch = self.peek()
            self.pos += 1
            if ch == ")":
                return Call(name, tuple(args))
            if ch != ",":
                raise IntrinsicSyntaxError(f"expected ',' or ')' in {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise IntrinsicSyntaxError(f"expected {ch!r} at {self.pos} in {self.text!r}")
        self.pos += 1

    def arg(self) -> Arg:
        self.skip_ws()
        ch = self.peek()
        if ch == "'":
            return Literal(self.string())
        if ch == "$":
            return PathArg(self.path())
        if self.text.startswith("States.", self.pos):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        m = _NUMBER.match(self.text, self.pos)
        if m:
            self.pos = m.end()
            num = m.group(0)
            return Literal(float(num) if (m.group(1) or m.group(2)) else int(num))
        raise IntrinsicSyntaxError(f"unexpected argument at {self.pos} in {self.text!r}")

    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                # \{ and \} stay escaped for States.Format; \' and \\ are unescaped here.
                out.append(nxt if nxt in "'\\" else ch + nxt)
                self.pos += 2
                continue
            if ch == "'":
                self.pos += 1
                return "".join(out)
            out.append(ch)
            self.pos += 1
        raise IntrinsicSyntaxError(f"unterminated string in {self.text!r}")

    def path(self) -> str:
        start, depth, quote = self.pos, 0, ""
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.pos += 1
        path = self.text[start : self.pos].strip()
        try:
            compile_path(path)
        except InvalidPath as exc:
            raise IntrinsicSyntaxError(str(exc)) from exc
        return path


# ---- evaluation ----------------------------------------------------------------------------


def evaluate_intrinsic(text: str, data: Any, env: Env, entropy: Entropy) -> Any:
    """Run an intrinsic expression; failures raise States.IntrinsicFailure."""
    try:
        call = parse_intrinsic(text)
    except IntrinsicSyntaxError as exc:
        raise IntrinsicFailure(str(exc)) from exc
    return _eval(call, data, env, entropy)


def _eval(node: Arg, data: Any, env: Env, entropy: Entropy) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, PathArg):
        try:
            return read_path(node.path, data, env)
        except PathNotFound as exc:
            raise IntrinsicFailure(
                f"The JsonPath {node.path} could not be found in the input {to_json(data)}"
            ) from exc
    args = [_eval(a, data, env, entropy) for a in node.args]
    func = FUNCTIONS[node.name]
    try:
        return func(args, entropy)
    except IntrinsicFailure:
        raise
    except (TypeError, ValueError, IndexError, KeyError, OverflowError) as exc:
        raise IntrinsicFailure(f"{node.name} failed: {exc}") from exc
