"""The soak's flatness verdict (tests/chaos/flatness.py) on made-up series."""

from __future__ import annotations

from collections.abc import Sequence

from tests.chaos.flatness import MB, RSS, Point, Tolerance, judge, quarter

DURATION = 400.0
COUNTS = Tolerance(relative=0.5, absolute=2, settled=True)


def _series(values: Sequence[float], age: float | None = None) -> list[Point]:
    """One sample every 10 s over the soak's 400 s (of one process when `age` is given)."""
    pid = None if age is None else 1
    return [Point(10.0 * i, value, age, pid) for i, value in enumerate(values)]


def test_a_steady_rss_with_noise_is_flat() -> None:
    values = [100 * MB + (i % 3) * MB for i in range(41)]
    verdict = judge("web", _series(values, age=1000), DURATION, RSS)
    assert verdict.ok, verdict
    assert verdict.warm is not None and verdict.limit == verdict.warm + max(
        0.1 * verdict.warm, 8 * MB
    )


def test_rss_growing_a_megabyte_a_sample_is_a_leak() -> None:
    values = [100 * MB + i * MB for i in range(41)]
    verdict = judge("web", _series(values, age=1000), DURATION, RSS)
    assert not verdict.ok
    assert "grew" in verdict.note


def test_growth_within_the_absolute_allowance_of_a_small_process_passes() -> None:
    # 20 MB -> 27 MB: +35%, but under 8 MB.
    values = [20 * MB] * 20 + [27 * MB] * 21
    assert judge("payment", _series(values, age=1000), DURATION, RSS).ok


def test_warm_up_growth_in_the_first_quarter_does_not_count() -> None:
    values = [50 * MB + i * 5 * MB for i in range(10)] + [100 * MB] * 31
    assert judge("orchestrator", _series(values, age=1000), DURATION, RSS).ok


def test_one_spike_in_the_last_quarter_does_not_decide() -> None:
    values = [100 * MB] * 41
    values[35] = 400 * MB
    verdict = judge("web", _series(values, age=1000), DURATION, RSS)
    assert verdict.ok and verdict.peak == 400 * MB


def test_a_fresh_process_in_the_last_quarter_does_not_hide_a_leak() -> None:
    # Leaks 1 MB a sample; killed at 320 s and started again small (leaking again): the last
    # quarter's median is low, but the first process's own lifetime shows the leak.
    points = [Point(10.0 * i, 100 * MB + i * MB, 10.0 * i, 1) for i in range(33)]
    points += [Point(10.0 * i, (60 + i - 33) * MB, 10.0 * (i - 32), 2) for i in range(33, 41)]
    verdict = judge("web", points, DURATION, RSS, min_age=30)
    assert verdict.end is not None and verdict.warm is not None and verdict.end < verdict.warm
    assert not verdict.ok, verdict
    assert "pid 1 grew" in verdict.note


def test_a_process_restarted_in_the_second_quarter_is_compared_once_warm() -> None:
    # Restarted at 110 s: small while young, then at its steady 100 MB like before.
    points = [Point(10.0 * i, 100 * MB, 10.0 * i, 1) for i in range(11)]
    points += [
        Point(10.0 * i, (60 if i < 14 else 100) * MB, 10.0 * (i - 11), 2) for i in range(11, 41)
    ]
    verdict = judge("web", points, DURATION, RSS, min_age=30)
    assert verdict.ok, verdict
    assert verdict.warm == 100 * MB


def test_a_quarter_with_only_young_processes_compares_no_levels() -> None:
    points = [Point(10.0 * i, 100 * MB, 5.0, i) for i in range(41)]  # restarted every sample
    values, note = quarter(points, DURATION, 3, min_age=30)
    assert values == [] and "no warm process" in note
    verdict = judge("web", points, DURATION, RSS, min_age=30)
    assert verdict.ok and verdict.end is None and "no warm process" in verdict.note


def test_a_backlog_during_faults_is_left_out_where_the_quarter_has_calm_samples() -> None:
    values = [5.0] * 41
    values[30:36] = [300.0] * 6  # RabbitMQ down from 300 s to 350 s, then drained
    faults = [(295.0, 355.0)]
    assert not judge("unacked", _series(values), DURATION, COUNTS).ok
    verdict = judge("unacked", _series(values), DURATION, COUNTS, faults=faults)
    assert verdict.ok and verdict.end == 5.0


def test_a_quarter_all_under_faults_is_still_judged() -> None:
    values = [5.0] * 20 + [300.0] * 21
    verdict = judge("unacked", _series(values), DURATION, COUNTS, faults=[(195.0, 405.0)])
    assert not verdict.ok
    assert "faults throughout" in verdict.note


def test_unacked_messages_trending_up_fail() -> None:
    values = [float(i // 2) for i in range(41)]  # 0 .. 20
    verdict = judge("unacked", _series(values), DURATION, COUNTS)
    assert not verdict.ok


def test_unacked_messages_that_drain_after_a_fault_pass() -> None:
    values = [3.0] * 41
    values[32:34] = [80.0, 40.0]  # a backlog while RabbitMQ was down, then drained
    values.append(0.0)  # settled
    assert judge("unacked", _series(values), DURATION, COUNTS).ok


def test_connections_that_stay_up_once_the_load_stops_fail() -> None:
    values = [10.0] * 41 + [30.0]  # the last sample: after the orders ended
    verdict = judge("amqp connections", _series(values), DURATION, COUNTS)
    assert not verdict.ok
    assert "did not come back down" in verdict.note


def test_no_samples_is_a_failure_not_a_pass() -> None:
    assert not judge("pg connections", [], DURATION, COUNTS).ok
    only_early = _series([5.0] * 5)  # nothing after 40 s
    verdict = judge("pg connections", only_early, DURATION, COUNTS)
    assert not verdict.ok and "quarter" in verdict.note


def test_a_quarter_all_under_faults_widens_to_the_third_where_that_is_calm() -> None:
    values = [5.0] * 30 + [300.0] * 11 + [0.0]  # then drained, once the load is over
    verdict = judge("unacked", _series(values), DURATION, COUNTS, faults=[(295.0, 405.0)])
    assert verdict.ok and verdict.end == 5.0
    assert "widened" in verdict.note


POOLS = Tolerance(relative=0.25, absolute=4, settled=True, baseline="highest")


def test_pools_refilling_after_a_fault_are_not_growth() -> None:
    # 33 sessions, 20 after a fault closed them (refilled as the load asks), 33 again.
    values = [33.0] * 8 + [20.0] * 12 + [33.0] * 21
    assert not judge(
        "postgres connections", _series(values), DURATION, POOLS.__class__(0.25, 4, settled=True)
    ).ok
    verdict = judge("postgres connections", _series(values), DURATION, POOLS)
    assert verdict.ok and verdict.warm == 33.0


def test_sessions_leaking_past_any_level_seen_before_fail() -> None:
    values = [33.0] * 20 + [33.0 + i for i in range(21)]
    assert not judge("postgres connections", _series(values), DURATION, POOLS).ok
