from orchestrator.engine.aws_history import aws_event, details_key


def test_state_entered_and_exited_share_a_family_key() -> None:
    assert details_key("PassStateEntered") == "stateEnteredEventDetails"
    assert details_key("MapStateExited") == "stateExitedEventDetails"


def test_other_events_are_keyed_by_their_own_type() -> None:
    assert details_key("MapStateStarted") == "mapStateStartedEventDetails"
    assert details_key("TaskScheduled") == "taskScheduledEventDetails"
    assert details_key("ExecutionFailed") == "executionFailedEventDetails"


def test_empty_details_are_left_out() -> None:
    event = aws_event(3, 2, "now", "ParallelStateStarted", {})
    assert event == {
        "id": 3,
        "previousEventId": 2,
        "timestamp": "now",
        "type": "ParallelStateStarted",
    }


def test_an_execution_failure_keeps_its_empty_details() -> None:
    event = aws_event(3, 2, "now", "ExecutionFailed", {})
    assert event["executionFailedEventDetails"] == {}
