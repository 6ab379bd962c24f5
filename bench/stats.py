"""Pure arithmetic for the benchmark: percentiles, summaries, per-second series, ratios.

No I/O and no third-party imports, so tests/unit/bench can check it without servers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    """One finished unit of work (an execution, a chain, an order).

    `end` is seconds since the phase's start (wall clock), `latency` its start-to-finish in
    seconds, `ok` whether it ended as it should (SUCCEEDED, COMPLETED)."""

    end: float
    latency: float
    ok: bool = True


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks (numpy's
    default). Raises ValueError on an empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(latencies: Sequence[float]) -> dict[str, float | int | None]:
    """n, mean, p50, p95, p99 and max, in milliseconds (None when there are none)."""
    if not latencies:
        return {"n": 0, "mean_ms": None, "p50_ms": None, "p95_ms": None, "p99_ms": None}
    return {
        "n": len(latencies),
        "mean_ms": round(1000 * sum(latencies) / len(latencies), 2),
        "p50_ms": round(1000 * percentile(latencies, 50), 2),
        "p95_ms": round(1000 * percentile(latencies, 95), 2),
        "p99_ms": round(1000 * percentile(latencies, 99), 2),
        "max_ms": round(1000 * max(latencies), 2),
    }


def rate(count: int, seconds: float) -> float | None:
    """count per second, or None when no time passed."""
    if seconds <= 0:
        return None
    return count / seconds


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs, or None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


NICE_BINS = (0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


def bin_width(seconds: float, most: int = 50) -> float:
    """The smallest of NICE_BINS that cuts `seconds` into at most `most` bins."""
    for width in NICE_BINS:
        if seconds / width <= most:
            return width
    return NICE_BINS[-1]


def per_second(samples: Iterable[Sample], bin_seconds: float = 1.0) -> list[dict[str, Any]]:
    """The samples in bins of `bin_seconds` by their end: how many finished in each (as a rate
    per second) and the p50/p99 of their latencies (ms). Empty bins inside the run are kept
    (count 0, latencies None), so a stall shows as a gap, not as a shorter run."""
    bins: dict[int, list[float]] = {}
    for sample in samples:
        bins.setdefault(int(sample.end // bin_seconds), []).append(sample.latency)
    if not bins:
        return []
    series = []
    for index in range(min(bins), max(bins) + 1):
        latencies = bins.get(index, [])
        series.append(
            {
                "t": round(index * bin_seconds, 3),
                "per_second": len(latencies) / bin_seconds,
                "p50_ms": round(1000 * percentile(latencies, 50), 2) if latencies else None,
                "p99_ms": round(1000 * percentile(latencies, 99), 2) if latencies else None,
            }
        )
    return series


def phase_figures(samples: Sequence[Sample], seconds: float, steps: int = 1) -> dict[str, Any]:
    """The figures of one timed phase: counts, units/s and transitions/s over `seconds`, the
    latency summary of the successful samples, and the series (in bins of `bin_seconds`, chosen
    so that a run of any length has at most about 50)."""
    ok = [s for s in samples if s.ok]
    per_unit = rate(len(ok), seconds)
    width = bin_width(seconds)
    return {
        "count": len(samples),
        "ok": len(ok),
        "errors": len(samples) - len(ok),
        "seconds": round(seconds, 3),
        "per_second": per_unit,
        "transitions_per_second": None if per_unit is None else per_unit * steps,
        "latency": latency_summary([s.latency for s in ok]),
        "bin_seconds": width,
        "series": per_second(samples, width),
    }


def medians(rows: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """Per key, the median of the rows' values that are not None (None when none is): the
    figure of several interleaved rounds, which a machine whose speed drifts between rounds
    moves far less than it moves any one round's."""
    keys = dict.fromkeys(key for row in rows for key in row)
    result: dict[str, float | None] = {}
    for key in keys:
        values = [value for row in rows if (value := row.get(key)) is not None]
        result[key] = percentile(values, 50) if values else None
    return result
