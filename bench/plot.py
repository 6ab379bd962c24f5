"""The PNG of a run: per phase, completions per second and latency (p50/p99 per second) over
time; for the store, each process's RSS too. Matplotlib with the Agg backend (no display)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def timed_phases(result: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(title, figures) of each timed phase in the result, in run order."""
    phases = result["phases"]
    found = []
    for key, title in (
        ("ceiling", "(a) ceiling: durable round trips only"),
        ("celery", "(b) peer: Celery chain"),
        ("engine", "engine: orchestrator over HTTP"),
    ):
        if key in phases:
            found.append((f"{title}, {phases[key]['unit']}s", phases[key]))
    if "store" in phases:
        store = phases["store"]
        found.append((f"store, closed loop x{store['clients']}: orders", store["closed"]))
        if store.get("open"):
            found.append((f"store, open loop {store['open_rate']:.1f}/s: orders", store["open"]))
    return found


def plot(result: dict[str, Any], path: Path) -> None:
    phases = timed_phases(result)
    memory = result["phases"].get("store", {}).get("memory")
    map_part = result["phases"].get("map")
    rows = max(1, len(phases) + (1 if memory else 0) + (1 if map_part else 0))
    figure, axes = plt.subplots(rows, 2, figsize=(13, 2.6 * rows + 0.8), squeeze=False)
    for row, (title, figures) in enumerate(phases):
        series = figures["series"]
        t = [point["t"] for point in series]
        throughput, latency = axes[row]
        width = figures.get("bin_seconds", 1.0)
        throughput.bar(t, [p["per_second"] for p in series], width=width, align="edge")
        mean = figures.get("per_second")
        if mean:
            throughput.axhline(mean, color="grey", linestyle="--", linewidth=1)
        throughput.set_title(
            f"{title} per second ({width:g} s bins; mean {mean or 0:.1f}/s, dashed)",
            fontsize=9,
            loc="left",
        )
        throughput.set_ylabel("per s")
        throughput.set_ylim(bottom=0)
        p50 = [(p["t"], p["p50_ms"]) for p in series if p["p50_ms"] is not None]
        p99 = [(p["t"], p["p99_ms"]) for p in series if p["p99_ms"] is not None]
        latency.plot(*zip(*p50, strict=True), label="p50", marker=".", linewidth=1)
        latency.plot(*zip(*p99, strict=True), label="p99", marker=".", linewidth=1, alpha=0.7)
        latency.set_title("latency of those finishing in each bin", fontsize=9, loc="left")
        latency.set_ylabel("ms")
        latency.set_ylim(bottom=0)
        latency.legend(fontsize=8, loc="upper right")
    if map_part:
        ax, text = axes[len(phases)]
        for run in map_part["runs"]:
            if run["progress"]:
                label = f"{run['items']:,} x{run['max_concurrency'] or 'all'}"
                ax.plot(*zip(*run["progress"], strict=True), label=label, linewidth=1)
        ax.set_title("map: iterations succeeded (polled every 0.5 s)", fontsize=9, loc="left")
        ax.set_xlabel("s since the POST", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, loc="lower right")
        text.axis("off")
        lines = [
            f"{run['items']:,} x{run['max_concurrency'] or 'all'}: {run['status']}, "
            f"{run['ms_per_item']:.3f} ms/item, CPU {run['orchestrator_cpu_ms_per_item']} ms/item"
            for run in map_part["runs"]
        ]
        lines += [f"{name}: {value}" for name, value in map_part["ratios"].items()]
        text.text(0, 0.9, "\n".join(lines), family="monospace", fontsize=8, va="top")
    if memory:
        ax = axes[-1][0]
        for name, process in memory.items():
            ax.plot(*zip(*process["series"], strict=True), label=name, linewidth=1)
        ax.set_title("store: RSS of each process (MB)", fontsize=9, loc="left")
        ax.set_ylabel("MB")
        ax.set_xlabel("s since the store's closed loop began", fontsize=8)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, ncol=3, loc="lower right")
        axes[-1][1].axis("off")
        axes[-1][1].text(0, 0.9, summary_text(result), family="monospace", fontsize=8, va="top")
    for ax in axes[: len(phases)].flat:
        ax.set_xlabel("s since the phase began", fontsize=8)
    machine = result["machine"]
    figure.suptitle(
        f"make bench {result['timestamp']}  ({machine['cores']} cores, Python "
        f"{machine['python']}, {machine['git_commit'][:10]})",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    figure.savefig(path, dpi=90)
    plt.close(figure)


def summary_text(result: dict[str, Any]) -> str:
    lines = ["ratios (ours / baseline, same run):"]
    for name, value in result["ratios"].items():
        lines.append(f"  {name}: {'n/a' if value is None else f'{value:.3f}'}")
    return "\n".join(lines)
