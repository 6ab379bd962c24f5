"""The benchmark's pure helpers: percentiles, summaries, series and ratios (no timing)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.__main__ import ratios, round_figures, round_lines
from bench.stats import (
    Sample,
    bin_width,
    latency_summary,
    medians,
    per_second,
    percentile,
    phase_figures,
    rate,
    ratio,
)


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [4.0, 1.0, 3.0, 2.0]
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 50) == 2.5
    assert percentile(values, 25) == pytest.approx(1.75)
    assert percentile([7.0], 99) == 7.0


def test_percentile_refuses_nothing_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_in_milliseconds() -> None:
    summary = latency_summary([0.1, 0.2, 0.3])
    assert summary["n"] == 3
    assert summary["p50_ms"] == 200.0
    assert summary["max_ms"] == 300.0
    assert latency_summary([])["p50_ms"] is None


def test_rate_and_ratio_handle_missing_figures() -> None:
    assert rate(10, 2.0) == 5.0
    assert rate(10, 0) is None
    assert ratio(50.0, 200.0) == 0.25
    assert ratio(None, 1.0) is None
    assert ratio(1.0, 0.0) is None


def test_per_second_keeps_empty_bins_inside_the_run() -> None:
    samples = [Sample(0.2, 0.1), Sample(0.7, 0.3), Sample(2.5, 0.2)]
    series = per_second(samples, 1.0)
    assert [point["t"] for point in series] == [0, 1, 2]
    assert [point["per_second"] for point in series] == [2, 0, 1]
    assert series[1]["p50_ms"] is None
    assert series[0]["p50_ms"] == 200.0
    assert per_second([], 1.0) == []


def test_per_second_scales_counts_by_the_bin() -> None:
    series = per_second([Sample(0.1, 0.1), Sample(0.2, 0.1)], 0.5)
    assert series[0]["per_second"] == 4.0


def test_bin_width_keeps_long_runs_to_about_50_bins() -> None:
    assert bin_width(5) == 0.25
    assert bin_width(60) == 2
    assert bin_width(12_500) == 300


def test_phase_figures_count_errors_apart_from_latency() -> None:
    samples = [Sample(1.0, 0.5), Sample(2.0, 9.0, ok=False)]
    figures = phase_figures(samples, 2.0, steps=3)
    assert figures["ok"] == 1 and figures["errors"] == 1
    assert figures["per_second"] == 0.5
    assert figures["transitions_per_second"] == 1.5
    assert figures["latency"]["max_ms"] == 500.0


def test_ratios_of_ours_to_the_baselines() -> None:
    phases = {
        "ceiling": {"per_second": 100.0, "transitions_per_second": 300.0},
        "celery": {"per_second": 80.0},
        "engine": {"per_second": 20.0, "transitions_per_second": 60.0},
        "store": {"closed": {"per_second": 5.0}},
    }
    assert ratios(phases) == {
        "engine transitions/s / ceiling transitions/s": 0.2,
        "engine executions/s / celery chains/s": 0.25,
        "store orders/s / ceiling orders/s": 0.05,
    }
    assert set(ratios({}).values()) == {None}


def test_medians_take_each_figure_over_the_rounds_that_have_it() -> None:
    rounds: list[dict[str, float | None]] = [
        {"engine / ceiling": 0.8, "engine / celery": None, "ceiling chains/s": 300.0},
        {"engine / ceiling": 1.1, "engine / celery": 0.9, "ceiling chains/s": 200.0},
        {"engine / ceiling": 0.9, "engine / celery": None, "ceiling chains/s": 250.0},
    ]
    assert medians(rounds) == {
        "engine / ceiling": 0.9,
        "engine / celery": 0.9,
        "ceiling chains/s": 250.0,
    }
    assert medians([{"a": None}, {"a": None}]) == {"a": None}
    assert medians([{"a": 1.0}, {"a": 2.0}]) == {"a": 1.5}


def test_round_lines_show_every_round_then_the_median() -> None:
    rounds: list[dict[str, float | None]] = [
        {"engine transitions/s / ceiling transitions/s": 0.8, "ceiling chains/s": 300.04},
        {"engine transitions/s / ceiling transitions/s": 1.1, "ceiling chains/s": None},
    ]
    for row in rounds:
        row["store orders/s / ceiling orders/s"] = None  # no store part: no line
    lines = round_lines(rounds, medians(rounds))
    assert lines[0] == "by round (2), then the median:"
    assert lines[1].split() == [
        "engine", "transitions/s", "/", "ceiling", "transitions/s",
        "0.800,", "1.100", "median", "0.950",
    ]  # fmt: skip
    assert lines[2].split() == ["ceiling", "chains/s", "300.0,", "-", "median", "300.0"]
    assert len(lines) == 3


def test_round_figures_name_each_part_that_ran() -> None:
    phases: dict[str, Any] = {
        "ceiling": {"per_second": 250.0},
        "engine": {"per_second": 230.0, "orchestrator_cpu_ms_per_transition": 0.9},
        "store": {
            "closed": {"per_second": 100.0},
            "open": {
                "latency": {"p50_ms": 41.0, "p99_ms": 120.0},
                "machine": {"cores": 2, "cores_busy": 1.5, "share_busy": 0.75},
            },
        },
    }
    assert round_figures(phases) == {
        "ceiling chains/s": 250.0,
        "engine executions/s": 230.0,
        "orchestrator CPU ms per transition": 0.9,
        "store orders/s": 100.0,
        "store half-peak p50 ms": 41.0,
        "store half-peak p99 ms": 120.0,
        "store half-peak cores busy": 1.5,
    }
    del phases["store"]["open"]
    assert "store half-peak p50 ms" not in round_figures(phases)
