"""`Retry` and `Catch`: which errors a state recovers from, and how.

"When a state reports an error, Step Functions scans through the Retriers and, when the Error
Name appears in the value of a Retrier's ErrorEquals field, implements the retry policy."
"When a state reports an error and either there is no Retrier, or retries have failed to
resolve the error, the interpreter scans through the Catchers in array order."
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .api import Entropy
from .errors import ALL, error_matches
from .paths import InvalidPath, reference_steps

RETRIER_FIELDS = frozenset(
    {
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
        "Comment",
    }
)
CATCHER_FIELDS = frozenset({"ErrorEquals", "Next", "ResultPath", "Comment", "Output", "Assign"})


@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1  # "IntervalSeconds ... default value is 1"
    max_attempts: int = 3  # "MaxAttempts ... default value is 3"; 0 means never retry
    backoff_rate: float = 2.0  # "BackoffRate ... default value is 2.0"
    max_delay_seconds: float | None = None
    jitter_strategy: str = "NONE"  # "FULL" draws the delay uniformly from [0, delay]

    def matches(self, error: str | None) -> bool:
        return error_matches(error, list(self.error_equals))

    def delay(self, retries_done: int, entropy: Entropy) -> float:
        """Seconds before retry number `retries_done + 1`."""
        seconds = self.interval_seconds * self.backoff_rate**retries_done
        if self.max_delay_seconds is not None:
            seconds = min(seconds, self.max_delay_seconds)
        if self.jitter_strategy == "FULL":
            seconds = entropy.uniform(0, seconds)
        return float(seconds)


@dataclass(frozen=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"
    output: Any = None  # JSONata
    assign: Any = None

    def matches(self, error: str | None) -> bool:
        return error_matches(error, list(self.error_equals))


def _error_equals(raw: dict[str, Any], where: str, last: bool, problems: list[str]) -> tuple:
    names = raw.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append(f"{where}: ErrorEquals must be a non-empty array of strings")
        return ()
    if ALL in names and (len(names) != 1 or not last):
        problems.append(f"{where}: States.ALL must appear alone, in the last element")
    return tuple(names)


def parse_retriers(raw: Any, where: str, problems: list[str]) -> list[Retrier]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where}.Retry must be an array")
        return []
    out = []
    for i, item in enumerate(raw):
        at = f"{where}.Retry[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{at} must be an object")
            continue
        for key in item:
            if key not in RETRIER_FIELDS:
                problems.append(f"{at}: field '{key}' is not allowed in a Retrier")
        names = _error_equals(item, at, i == len(raw) - 1, problems)
        interval = item.get("IntervalSeconds", 1)
        attempts = item.get("MaxAttempts", 3)
        rate = item.get("BackoffRate", 2.0)
        max_delay = item.get("MaxDelaySeconds")
        jitter = item.get("JitterStrategy", "NONE")
        if not _is_int(interval) or interval < 1:
            problems.append(f"{at}: IntervalSeconds must be a positive integer")
        if not _is_int(attempts) or attempts < 0 or attempts > 99999999:
            problems.append(f"{at}: MaxAttempts must be an integer from 0 to 99999999")
        if not _is_num(rate) or rate < 1.0:
            problems.append(f"{at}: BackoffRate must be a number >= 1.0")
        if max_delay is not None and (not _is_int(max_delay) or max_delay < 1):
            problems.append(f"{at}: MaxDelaySeconds must be a positive integer")
        if jitter not in ("FULL", "NONE"):
            problems.append(f"{at}: JitterStrategy must be FULL or NONE")
        out.append(
            Retrier(
                names,
                interval if _is_num(interval) else 1,
                attempts if _is_int(attempts) else 3,
                rate if _is_num(rate) else 2.0,
                max_delay if _is_num(max_delay) else None,
                str(jitter),
            )
        )
    return out


def parse_catchers(raw: Any, where: str, jsonata: bool, problems: list[str]) -> list[Catcher]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where}.Catch must be an array")
        return []
    out = []
    for i, item in enumerate(raw):
        at = f"{where}.Catch[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{at} must be an object")
            continue
        for key in item:
            if key not in CATCHER_FIELDS:
                problems.append(f"{at}: field '{key}' is not allowed in a Catcher")
        if jsonata and "ResultPath" in item:
            problems.append(f"{at}: ResultPath is not allowed in a JSONata state; use Output")
        if not jsonata and "Output" in item:
            problems.append(f"{at}: Output is only allowed in a JSONata state")
        names = _error_equals(item, at, i == len(raw) - 1, problems)
        nxt = item.get("Next")
        if not isinstance(nxt, str):
            problems.append(f"{at}: Next is required")
            nxt = ""
        result_path = item.get("ResultPath", "$")
        if result_path is not None:
            try:
                reference_steps(result_path)
            except InvalidPath as exc:
                problems.append(f"{at}.ResultPath: {exc}")
        out.append(Catcher(names, nxt, result_path, item.get("Output"), item.get("Assign")))
    return out


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
