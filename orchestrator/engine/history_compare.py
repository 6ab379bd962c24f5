"""Compare our history with a history AWS recorded (`expected.history` of a conformance case).

The recordings hold AWS's GetExecutionHistory events with run-to-run values replaced by
placeholders ("timestamp", "snf_role_arn", `<ExecArn_...>`, `arn:<partition>:...`): such a value
matches anything. Input, output and assigned variables are JSON text in AWS's events; the
recordings decode some of them (objects and arrays, mostly) and keep others as text, so either
form matches. Everything else is compared exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from .api import HistoryEvent
from .aws_history import aws_event

# `<ArnPart_0idx>`, `<json-input:1>`, `<x:N>`: a value the recording replaced; 111111111111
# stands for the account id in its ARNs.
_PLACEHOLDER = re.compile(r"<[A-Za-z][\w:\-]*>|111111111111")
_ANY = frozenset({"snf_role_arn", "timestamp", "date"})
_JSON_TEXT_FIELDS = frozenset({"input", "output"})
_PARALLEL_ENDS = frozenset(
    {
        "ParallelStateSucceeded",
        "ParallelStateAborted",
        "ParallelStateExited",
        "ParallelStateFailed",
    }
)


def number_events(events: Sequence[HistoryEvent]) -> list[dict[str, Any]]:
    """Our events as AWS returns them, numbered from 1 as the shell numbers them."""
    out = []
    for i, event in enumerate(events, start=1):
        previous = i - 1 if event.previous_event_id is None else event.previous_event_id
        out.append(aws_event(i, previous, "timestamp", event.type, event.details))
    return out


def history_difference(expected: list[dict[str, Any]], ours: list[dict[str, Any]]) -> str | None:
    """None when `ours` is the history AWS recorded, else where it first differs."""
    if any(_masked(event) for event in expected):
        ours = mask_parallel_branches([dict(event) for event in ours])
    n = 0
    while n < min(len(expected), len(ours)):
        if _masked(expected[n]):  # a Parallel's branch events: in any order
            end = n
            while end < len(expected) and _masked(expected[end]):
                end += 1
            if problem := _unordered_difference(expected[n:end], ours[n:end]):
                return f"events {n + 1}-{end}: {problem}"
            n = end
            continue
        want, got = expected[n], ours[n]
        n += 1
        if want.get("type") != got.get("type"):
            return f"event {n}: {got.get('type')}, expected {want.get('type')}"
        if problem := _event_difference(want, got):
            return f"event {n} ({got['type']}): {problem}"
    if len(expected) != len(ours):
        extra = ours[len(expected)] if len(ours) > len(expected) else expected[len(ours)]
        return f"{len(ours)} events, expected {len(expected)} (first unmatched: {extra['type']})"
    return None


def mask_parallel_branches(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the recordings of Parallel states did to AWS's history before storing it
    (LocalStack's SfnNoneRecursiveParallelTransformer, line for line): the events after a
    ParallelStateStarted get id [0] and previousEventId 0 and are put in order by their text,
    up to the next ParallelState{Succeeded,Aborted,Exited,Failed}. Its slice assignment drops
    an event after each nested Parallel; doing the same to ours lets the rest be compared."""
    start_idx: int | None = None
    sublist: list[dict[str, Any]] = []
    in_sublist = False
    for i, event in enumerate(events):
        event_type = event.get("type")
        if event_type in _PARALLEL_ENDS:
            events[start_idx:i] = sorted(sublist, key=lambda e: json.dumps(e))
            in_sublist = False
        elif event_type == "ParallelStateStarted":
            in_sublist = True
            sublist = []
            start_idx = i + 1
        elif in_sublist:
            event["id"] = [0]
            event["previousEventId"] = 0
            sublist.append(event)
    return events


def _masked(event: dict[str, Any]) -> bool:
    return isinstance(event.get("id"), list)


def _unordered_difference(expected: list[dict[str, Any]], ours: list[dict[str, Any]]) -> str | None:
    """Each expected event matched by a different one of ours, in any order."""
    left = list(ours)
    for want in expected:
        for i, got in enumerate(left):
            if want.get("type") == got.get("type") and _event_difference(want, got) is None:
                del left[i]
                break
        else:
            return f"no event of ours is {want.get('type')} {_short(want)}"
    return None


def _event_difference(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    keys = (want.keys() | got.keys()) - {"timestamp"}
    for key in sorted(keys):
        if key not in got or key not in want:
            return f"{key} {'missing' if key not in got else 'not expected'}"
        if key.endswith("EventDetails"):
            if problem := _details_difference(want[key], got[key]):
                return problem
        elif not matches(want[key], got[key]):
            return f"{key} {got[key]!r}, expected {want[key]!r}"
    return None


def _details_difference(want: dict[str, Any], got: dict[str, Any]) -> str | None:
    for key in sorted(want.keys() | got.keys()):
        if key not in got or key not in want:
            return f"{key} {'missing' if key not in got else 'not expected'}"
        w, g = want[key], got[key]
        if key in _JSON_TEXT_FIELDS:
            ok = _text_matches(w, g)
        elif key == "assignedVariables" and isinstance(w, dict) and isinstance(g, dict):
            ok = w.keys() == g.keys() and all(_text_matches(w[k], g[k]) for k in w)
        else:
            ok = matches(w, g)
        if not ok:
            return f"{key} {_short(g)}, expected {_short(w)}"
    return None


def _text_matches(want: Any, text: Any) -> bool:
    """`text` is JSON text; the recording holds either that text or its decoded value."""
    if isinstance(want, str) and isinstance(text, str) and matches(want, text):
        return True
    try:
        decoded = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return False
    if matches(want, decoded):
        return True
    # Text AWS echoed as it was sent (`["a", "b"]`, spaced): equal as parsed JSON.
    try:
        return isinstance(want, str) and matches(json.loads(want), decoded)
    except ValueError:
        return False


def matches(want: Any, got: Any) -> bool:
    """Parsed-JSON equality (1 == 1.0, true != 1, key order ignored) with placeholders."""
    if isinstance(want, str):
        if want in _ANY:
            return True
        if _PLACEHOLDER.search(want):
            return isinstance(got, str) and _pattern(want).fullmatch(got) is not None
        return isinstance(got, str) and want == got
    if isinstance(want, bool) or isinstance(got, bool):
        return type(want) is type(got) and want == got
    if isinstance(want, dict):
        return (
            isinstance(got, dict)
            and want.keys() == got.keys()
            and all(matches(want[k], got[k]) for k in want)
        )
    if isinstance(want, list):
        return (
            isinstance(got, list)
            and len(want) == len(got)
            and all(matches(w, g) for w, g in zip(want, got, strict=True))
        )
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float)) and want == got
    return want == got


def _pattern(want: str) -> re.Pattern[str]:
    pieces = _PLACEHOLDER.split(want)
    return re.compile(".*?".join(re.escape(p) for p in pieces), re.DOTALL)


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
