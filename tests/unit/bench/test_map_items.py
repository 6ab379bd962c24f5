"""The map part's pure helpers: its workflow and the flatness ratios (nothing timed)."""

from __future__ import annotations

from typing import Any

from bench.__main__ import map_lines
from bench.echo import QUEUE
from bench.map_items import flat_ratios, workflow


def run(items: int, concurrency: int, ms_per_item: float) -> dict[str, Any]:
    return {
        "items": items,
        "max_concurrency": concurrency,
        "status": "SUCCEEDED",
        "start_seconds": 0.1,
        "seconds": items * ms_per_item / 1000,
        "ms_per_item": ms_per_item,
        "orchestrator_cpu_ms_per_item": 1.0,
        "table_bytes_per_item": {"execution_parts": 1600.0, "history_events": 2000.0},
        "wal_bytes_per_item": 8000.0,
        "largest_part_during": {"key": "thread:root", "bytes": 3600},
        "largest_part": None,
    }


def test_workflow_is_one_map_of_one_echo_task() -> None:
    definition = workflow(40)
    each = definition["States"][definition["StartAt"]]
    assert (each["Type"], each["ItemsPath"], each["MaxConcurrency"], each["End"]) == (
        "Map",
        "$.items",
        40,
        True,
    )
    task = each["ItemProcessor"]["States"][each["ItemProcessor"]["StartAt"]]
    assert task["Resource"] == f"rabbitmq:{QUEUE}"
    assert task["Parameters"] == {"taskToken.$": "$$.Task.Token", "item.$": "$"}
    assert task["End"] is True


def test_flat_ratios_divide_the_largest_size_by_the_smallest_per_concurrency() -> None:
    runs = [run(1000, 0, 2.0), run(10000, 0, 3.0), run(10000, 40, 2.0), run(1000, 40, 4.0)]
    assert flat_ratios(runs) == {
        "map ms/item 10000/1000, MaxConcurrency=0": 1.5,
        "map ms/item 10000/1000, MaxConcurrency=40": 0.5,
    }


def test_flat_ratios_need_two_sizes() -> None:
    assert flat_ratios([run(1000, 0, 2.0)]) == {}


def test_map_lines_have_a_line_per_run_and_per_ratio() -> None:
    runs = [run(1000, 0, 2.0), run(10000, 0, 3.0)]
    lines = map_lines({"runs": runs, "ratios": flat_ratios(runs)})
    assert len(lines) == 1 + 2 + 1
    assert "10,000 xall" in lines[2]
    assert "largest part 3600/- B" in lines[2]
    assert lines[-1].endswith("1.500")
