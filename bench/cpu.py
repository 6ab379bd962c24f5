"""CPU seconds (user + system) that processes spend during a phase (children not counted: the
driver's children are the processes measured beside it).

Less disturbed than throughput by whatever else shares the cores: a process's CPU per unit of
work stays about the same when another job slows it down.

With `servers=True`, Postgres and RabbitMQ are measured too, when their processes run on this
machine (`postgres` and `beam.smp`, as the machine's servers and Docker's containers both show
them): every process of each, and the children they reaped (Postgres backends whose connections
closed during the phase), so whatever else they serve during the phase counts as well. On a
machine given over to the benchmark they show where a unit's cost lies beyond our processes."""

from __future__ import annotations

import time
from typing import Any

import psutil

# The servers' processes by name, as psutil sees them.
SERVERS = {"postgres (server)": ("postgres",), "rabbitmq (server)": ("beam.smp",)}


def _cpu(process: psutil.Process, *, reaped_children: bool = False) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return 0.0
    spent = times.user + times.system
    if reaped_children:
        spent += times.children_user + times.children_system
    return float(spent)


def servers_cpu() -> dict[str, float]:
    """Per server running here, the CPU seconds its processes have spent: the live ones', and
    those of the children they have reaped (a Postgres backend that exits is reaped by the
    postmaster, which then carries its CPU), so the figure only grows."""
    found: dict[str, float] = {}
    for process in psutil.process_iter(["name"]):
        for server, names in SERVERS.items():
            if process.info["name"] in names:
                found[server] = found.get(server, 0.0) + _cpu(process, reaped_children=True)
    return found


def servers_spent(began: dict[str, float], ended: dict[str, float]) -> dict[str, float]:
    """Per server seen running at both readings: the CPU seconds spent between them."""
    return {server: max(0.0, ended[server] - began[server]) for server in ended if server in began}


class CpuMeter:
    def __init__(self, pids: dict[str, int], *, servers: bool = False) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.servers = servers
        self.began: dict[str, float] = {}
        self.servers_began: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def __enter__(self) -> CpuMeter:
        self.began = {name: _cpu(process) for name, process in self.processes.items()}
        if self.servers:
            self.servers_began = servers_cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.spent = {
            name: max(0.0, _cpu(process) - self.began[name])
            for name, process in self.processes.items()
        }
        if self.servers:
            self.spent |= servers_spent(self.servers_began, servers_cpu())

    def figures(self, units: int) -> dict[str, Any]:
        """Per process: CPU seconds, and milliseconds per unit of work."""
        return {
            name: {
                "seconds": round(seconds, 3),
                "ms_per_unit": round(1000 * seconds / units, 3) if units else None,
            }
            for name, seconds in self.spent.items()
        }


def busy_seconds(times: Any) -> float:
    """CPU seconds the machine's cores spent busy (psutil.cpu_times(): everything but idle,
    I/O wait and time a hypervisor took for others; `guest` is already in `user`)."""
    return float(times.user + times.nice + times.system + times.irq + times.softirq)


class MachineBusy:
    """How many of the machine's cores were busy during a phase, whoever kept them busy: the
    load a phase's latency was measured under."""

    def __init__(self) -> None:
        self.cores = psutil.cpu_count() or 1
        self.busy = 0.0
        self.seconds = 0.0

    def __enter__(self) -> MachineBusy:
        self._began = busy_seconds(psutil.cpu_times())
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self.busy = busy_seconds(psutil.cpu_times()) - self._began

    def figures(self) -> dict[str, Any]:
        cores_busy = self.busy / self.seconds if self.seconds > 0 else 0.0
        return {
            "cores": self.cores,
            "cores_busy": round(cores_busy, 2),
            "share_busy": round(cores_busy / self.cores, 3),
        }
