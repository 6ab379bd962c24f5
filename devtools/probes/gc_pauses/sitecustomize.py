"""Probe: every garbage collection of 5 ms or more, on stderr (so in each process's log).

    PYTHONPATH=devtools/probes/gc_pauses .venv/bin/python -m bench --parts store --keep-logs

Python imports `sitecustomize` at start-up from the path, so every process the bench starts
(they inherit PYTHONPATH) reports its slow collections: `GC-PAUSE pid=... gen=2 ms=...
collected=... seconds_since_start=...`. Not for production: it is how the README's statement
that no full collection runs under load was checked.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

_SLOW_SECONDS = 0.005
_started = time.monotonic()
_collecting_since = [0.0]


def _timed(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _collecting_since[0] = time.perf_counter()
        return
    took = time.perf_counter() - _collecting_since[0]
    if took >= _SLOW_SECONDS:
        sys.stderr.write(
            f"GC-PAUSE pid={os.getpid()} gen={info['generation']} ms={took * 1000:.1f} "
            f"collected={info['collected']} "
            f"seconds_since_start={time.monotonic() - _started:.1f}\n"
        )


gc.callbacks.append(_timed)
