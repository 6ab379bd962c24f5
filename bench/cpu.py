"""CPU seconds (user + system) that processes spend during a phase (children not counted: the
driver's children are the processes measured beside it).

Less disturbed than throughput by whatever else shares the cores: a process's CPU per unit of
work stays about the same when another job slows it down."""

from __future__ import annotations

from typing import Any

import psutil


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
        return float(times.user + times.system)
    except psutil.Error:
        return 0.0


class CpuMeter:
    def __init__(self, pids: dict[str, int]) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.began: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        self.began = {name: _cpu(process) for name, process in self.processes.items()}
        return self

    def __exit__(self, *_: object) -> None:
        self.spent = {
            name: max(0.0, _cpu(process) - self.began[name])
            for name, process in self.processes.items()
        }

    def figures(self, units: int) -> dict[str, Any]:
        """Per process: CPU seconds, and milliseconds per unit of work."""
        return {
            name: {
                "seconds": round(seconds, 3),
                "ms_per_unit": round(1000 * seconds / units, 3) if units else None,
            }
            for name, seconds in self.spent.items()
        }
