"""Comparing our history with AWS's recordings: placeholders, JSON text, first difference."""

from __future__ import annotations

from orchestrator.engine.api import HistoryEvent
from orchestrator.engine.history_compare import (
    history_difference,
    mask_parallel_branches,
    matches,
    number_events,
)


def test_placeholders_match_any_value() -> None:
    assert matches("snf_role_arn", "arn:aws:iam::1:role/x")
    assert matches(
        "arn:<partition>:states:<region>:111111111111:mapRun:<A>/<B>:<C>",
        "arn:aws:states:us-east-1:123456789012:mapRun:m/Map:1f",
    )
    assert not matches("arn:<partition>:states:x", "arn:aws:lambda:x")
    assert matches({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not matches(True, 1)


def test_events_are_numbered_with_aws_previous_ids() -> None:
    events = [
        HistoryEvent("ExecutionStarted", {}, 0),
        HistoryEvent("PassStateEntered", {}, 0),
        HistoryEvent("PassStateExited", {"name": "P"}),
    ]
    ours = number_events(events)
    assert [(e["id"], e["previousEventId"]) for e in ours] == [(1, 0), (2, 0), (3, 2)]


def test_json_text_matches_its_decoded_or_spaced_form() -> None:
    event = HistoryEvent("PassStateExited", {"name": "P", "output": '["a","b"]'})
    ours = number_events([event])
    for recorded in (["a", "b"], '["a", "b"]', '["a","b"]'):
        expected = [dict(ours[0], stateExitedEventDetails={"name": "P", "output": recorded})]
        assert history_difference(expected, ours) is None, recorded
    expected = [dict(ours[0], stateExitedEventDetails={"name": "P", "output": ["a"]})]
    assert "output" in str(history_difference(expected, ours))
    assert "2 events" in str(history_difference(ours, ours + ours))


def test_a_parallel_recording_is_compared_after_the_same_masking() -> None:
    types = ["ParallelStateStarted", "PassStateEntered", "PassStateEntered"]
    types += ["ParallelStateSucceeded", "ParallelStateExited", "ExecutionSucceeded"]
    ours = number_events([HistoryEvent(t, {"name": str(i)}) for i, t in enumerate(types)])
    masked = mask_parallel_branches([dict(e) for e in ours])
    # The branch events are masked, and ParallelStateSucceeded is gone, as in the recordings.
    assert [e["type"] for e in masked] == [t for t in types if t != "ParallelStateSucceeded"]
    assert [e["id"] for e in masked] == [1, [0], [0], 5, 6]
    recorded = [masked[0], masked[2], masked[1], *masked[3:]]  # branch events in any order
    assert history_difference(recorded, ours) is None
    recorded[1] = dict(recorded[1], stateEnteredEventDetails={"name": "other"})
    assert "no event of ours" in str(history_difference(recorded, ours))
