"""Probe: on SIGUSR1, the orchestrator writes what its heap holds to /tmp.

    PYTHONPATH=devtools/probes/heap_counts make bench BENCH_ARGS="--parts store --orders 60000"
    kill -USR1 $(pgrep -f "python -m orchestrator")     # at, say, 10,000 and 50,000 orders

Each signal writes `/tmp/heap-<pid>-<n>.json`: the memory blocks Python has allocated
(`sys.getallocatedblocks`), the objects the collector tracks outside those frozen at start,
those objects by type, and the largest containers among them. Two readings far apart show
whether anything accumulates. Only the orchestrator installs it; not for production.
"""

from __future__ import annotations

import collections
import gc
import itertools
import json
import os
import signal
import sys
from types import FrameType

_readings = itertools.count()


def _write_heap(signum: int, frame: FrameType | None) -> None:
    gc.collect()
    tracked = gc.get_objects()  # the frozen ones (gc.freeze at start) are not among them
    by_type = collections.Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in tracked)
    containers = (dict, list, set, collections.deque)
    largest = sorted(
        ((len(o), type(o).__name__) for o in tracked if isinstance(o, containers)), reverse=True
    )[:20]
    reading = {
        "allocated_blocks": sys.getallocatedblocks(),
        "tracked_objects": len(tracked),
        "by_type": dict(by_type.most_common(40)),
        "largest_containers": largest,
    }
    path = f"/tmp/heap-{os.getpid()}-{next(_readings)}.json"
    with open(path, "w") as out:
        json.dump(reading, out, indent=1)


def _is_the_orchestrator() -> bool:
    try:
        with open("/proc/self/cmdline", "rb") as cmdline:
            words = cmdline.read().split(b"\0")
    except OSError:
        return False
    return b"-m" in words and b"orchestrator" in words


if _is_the_orchestrator():
    signal.signal(signal.SIGUSR1, _write_heap)
