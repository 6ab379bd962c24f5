"""The metric names the Grafana dashboard's PromQL queries use."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy/grafana/stepwise.json"

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
_KEYWORDS |= {"and", "or", "unless", "le", "inf", "nan"}
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def _exprs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _exprs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _exprs(item)


def metric_names(expr: str) -> set[str]:
    """Names in `expr` that are metrics: not functions, keywords, labels or durations."""
    bare = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)  # grouping labels
    bare = re.sub(r"\[[^\]]*\]", "", bare)  # range durations
    bare = re.sub(r'"[^"]*"', "", bare)
    names = set()
    for match in _NAME.finditer(bare):
        rest = bare[match.end() :].lstrip()
        if rest.startswith("(") or match.group() in _KEYWORDS:
            continue  # a function call or a keyword
        if match.start() > 0 and bare[match.start() - 1].isdigit():
            continue  # the exponent or unit of a number
        names.add(match.group())
    return names


def dashboard_metric_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return set().union(*(metric_names(expr) for expr in _exprs(dashboard)))
