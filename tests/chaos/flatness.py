"""The soak's verdict on its sampled series (tests/chaos/soak.py): is each one flat?

Pure arithmetic over (time, value) points, so that it can be tested with made-up series.

A series is judged by two medians: over the second quarter of the soak (the *warm* level: the
first quarter is warm-up, caches and pools filling) and over the last quarter (the *end* level).
It is flat when end <= warm + max(relative * warm, absolute) (connection counts: the highest
calm level of the first half stands for warm, see Tolerance.baseline). A median, not a maximum,
so that a fault's spike (a backlog while RabbitMQ is down, a process freshly restarted) does
not decide the verdict; a leak moves the median. Series whose work must drain (unacked messages,
connections) must moreover come back under that limit once the load has stopped and the orders
have ended (`settled`).

RSS is measured per service name, but a fault gives a process a new pid, and a fresh process is
smaller than a warm one: comparing it with a warm one would hide growth (a restart in the last
quarter) or invent it (a restart in the second quarter, growing back to its steady size by the
end). So a process's samples count only once it has lived `min_age` seconds: warm processes are
compared with warm processes, whichever pid they have. Where a quarter holds no such sample
(that service was down or restarting through it), the levels are not compared, and the verdict
says so.

That alone would let a restart hide a leak (a leaking process killed in the third quarter is
back, warm but small, in the last one). So, moreover, each process lifetime that was warm for at
least a quarter of the soak after its warm-up quarter is judged on its own: the median of its
first third there against the median of its last third, with the same tolerance. A leak shows
in the lifetime that had the time to leak, whatever the faults did to the others.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Point:
    t: float  # seconds since the soak's load began
    value: float
    age: float | None = None  # seconds the measured process had lived; None: not a process
    pid: int | None = None  # which process (a lifetime); None: not a process


@dataclass(frozen=True)
class Tolerance:
    relative: float  # of the warm level
    absolute: float  # in the series' unit; whichever allows more
    settled: bool = False  # must also be back under the limit after the load (the last point)
    # median: the warm level is the second quarter's median. highest: the highest level of the
    # first half, for connection counts: pools hold up to their size and, after a fault that
    # closed them, fill again only as the load asks, so a calm level may be any up to the
    # highest; a leak is a level above any seen before.
    baseline: str = "median"

    def limit(self, warm: float) -> float:
        return warm + max(self.relative * warm, self.absolute)


RSS = Tolerance(relative=0.10, absolute=8 * MB)


@dataclass(frozen=True)
class Verdict:
    name: str
    start: float | None  # the first sample
    warm: float | None  # median over the second quarter
    end: float | None  # median over the last quarter
    peak: float | None  # the highest sample
    last: float | None  # the last sample (after the load, once settled)
    limit: float | None
    ok: bool
    note: str = ""


def quarter(
    points: Sequence[Point],
    duration: float,
    index: int,
    min_age: float = 0.0,
    faults: Sequence[tuple[float, float]] = (),
    span: int = 1,
) -> tuple[list[float], str]:
    """The values in quarter `index` (0..3) of [0, duration] (and the `span` - 1 after it) from
    processes at least `min_age` old, taken outside the `faults` windows ((from, to) seconds).
    (values, what was wanting): all the warm values when every one was taken during a fault;
    none when no process was warm (or nothing was sampled) in that quarter."""
    low, high = duration * index / 4, duration * (index + span) / 4
    inside = [p for p in points if low <= p.t <= high]
    warm = [p for p in inside if p.age is None or p.age >= min_age]
    calm = [p.value for p in warm if not any(start <= p.t <= end for start, end in faults)]
    if calm:
        return calm, ""
    if warm:
        return [p.value for p in warm], FAULTS_THROUGHOUT
    return [], NO_WARM_PROCESS if inside else NO_SAMPLES


NO_WARM_PROCESS = "no warm process in a quarter: levels not compared"
FAULTS_THROUGHOUT = "faults throughout a quarter"
NO_SAMPLES = "no samples in a quarter"


def level(
    points: Sequence[Point],
    duration: float,
    index: int,
    min_age: float,
    faults: Sequence[tuple[float, float]],
) -> tuple[list[float], str]:
    """quarter(), but where faults filled quarter `index` or nothing was sampled in it (a
    fault, with a server slow to come back, can outlast a short soak's quarter), its calm
    samples together with the third quarter's: the second quarter widened forward, the last
    one backward."""
    values, note = quarter(points, duration, index, min_age, faults)
    if note not in (FAULTS_THROUGHOUT, NO_SAMPLES):
        return values, note
    wide, wide_note = quarter(points, duration, 1 if index == 1 else 2, min_age, faults, span=2)
    if wide_note:
        return values, note
    why = "faults throughout it" if note == FAULTS_THROUGHOUT else "no samples in it"
    return wide, f"quarter {index + 1} widened to the third ({why})"


def judge(
    name: str,
    points: Sequence[Point],
    duration: float,
    tolerance: Tolerance,
    min_age: float = 0.0,
    faults: Sequence[tuple[float, float]] = (),
) -> Verdict:
    """Flat or not; `points` may extend past `duration` (samples once the load has stopped).
    Samples within `faults` (a fault and the drain after it) are left out of the medians where
    the quarter has others: a backlog while a server is down is the fault's, not growth."""
    if not points:
        return Verdict(name, None, None, None, None, None, None, False, "no samples")
    ordered = sorted(points, key=lambda p: p.t)
    start, last = ordered[0].value, ordered[-1].value
    peak = max(p.value for p in ordered)
    if tolerance.baseline == "highest":
        warm_values, warm_note = quarter(ordered, duration, 0, min_age, faults, span=2)
        warm_values = warm_values and [max(warm_values)]
    else:
        warm_values, warm_note = level(ordered, duration, 1, min_age, faults)
    end_values, end_note = level(ordered, duration, 3, min_age, faults)
    notes = [note for note in dict.fromkeys((warm_note, end_note)) if note]
    warm = end = limit = None
    ok = True
    if warm_values and end_values:
        warm = statistics.median(warm_values)
        end = statistics.median(end_values)
        limit = tolerance.limit(warm)
        if end > limit:
            ok = False
            notes.append("grew")
        if tolerance.settled and last > limit:
            ok = False
            notes.append("did not come back down after the load")
    elif NO_WARM_PROCESS not in notes:
        ok = False  # nothing sampled: not a pass
    after_warm_up = [p for p in ordered if duration / 4 <= p.t <= duration]
    for pid, early, late in lifetimes(after_warm_up, duration / 4, min_age):
        if late > tolerance.limit(early):
            ok = False
            notes.append(f"pid {pid} grew from {early:.0f} to {late:.0f} within its lifetime")
    return Verdict(name, start, warm, end, peak, last, limit, ok, "; ".join(notes))


def lifetimes(
    points: Sequence[Point], min_span: float, min_age: float = 0.0
) -> list[tuple[int, float, float]]:
    """(pid, median of its first third, median of its last third) of each process whose warm
    samples (at least `min_age` old) span at least `min_span` seconds."""
    by_pid: dict[int, list[Point]] = {}
    for point in points:
        if point.pid is not None and (point.age is None or point.age >= min_age):
            by_pid.setdefault(point.pid, []).append(point)
    found = []
    for pid, own in by_pid.items():
        own.sort(key=lambda p: p.t)
        first, span = own[0].t, own[-1].t - own[0].t
        if span < min_span or len(own) < 3:
            continue
        early = [p.value for p in own if p.t <= first + span / 3]
        late = [p.value for p in own if p.t >= first + 2 * span / 3]
        found.append((pid, statistics.median(early), statistics.median(late)))
    return found
