"""Comparing our history with AWS's recordings: placeholders, JSON text, first difference."""

from __future__ import annotations

from orchestrator.engine.api import HistoryEvent
from orchestrator.engine.history_compare import history_difference, matches, number_events


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
