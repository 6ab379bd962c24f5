"""previousEventId across decisions, numbered as the shell numbers events (1-based, in order)."""

from __future__ import annotations

from orchestrator.engine.history_compare import number_events

from .engine_fakes import Driver

RETRYING_TASK = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "rabbitmq:work.q",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "End": True,
        }
    },
}


def links(d: Driver) -> list[tuple[int, int, str]]:
    events = number_events([h for decision in d.decisions for h in decision.history])
    return [(e["id"], e["previousEventId"], e["type"]) for e in events]


def test_a_task_and_its_retry_link_each_event_to_its_cause() -> None:
    d = Driver(RETRYING_TASK, {})
    d.fail("Busy")
    d.fire_next()
    d.succeed({"ok": True})
    assert links(d) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "TaskStateEntered"),
        (3, 2, "TaskScheduled"),
        (4, 3, "TaskStarted"),
        (5, 4, "TaskFailed"),
        (6, 5, "TaskScheduled"),  # the retry follows from the failure
        (7, 6, "TaskStarted"),
        (8, 7, "TaskSucceeded"),
        (9, 8, "TaskStateExited"),
        (10, 9, "ExecutionSucceeded"),
    ]


def test_map_iterations_follow_their_start_and_the_map_their_last_event() -> None:
    task = {"Type": "Task", "Resource": "rabbitmq:work.q", "End": True}
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": {"StartAt": "T", "States": {"T": task}},
                "End": True,
            }
        },
    }
    d = Driver(definition, [1, 2])
    d.succeed("a")
    d.succeed("b")
    assert links(d) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "MapStateEntered"),
        (3, 2, "MapStateStarted"),
        (4, 3, "MapIterationStarted"),
        (5, 4, "TaskStateEntered"),
        (6, 5, "TaskScheduled"),
        (7, 6, "TaskStarted"),
        (8, 7, "TaskSucceeded"),
        (9, 8, "TaskStateExited"),
        (10, 9, "MapIterationSucceeded"),
        (11, 9, "MapIterationStarted"),
        (12, 11, "TaskStateEntered"),
        (13, 12, "TaskScheduled"),
        (14, 13, "TaskStarted"),
        (15, 14, "TaskSucceeded"),
        (16, 15, "TaskStateExited"),
        (17, 16, "MapIterationSucceeded"),
        (18, 17, "MapStateSucceeded"),
        (19, 17, "MapStateExited"),
        (20, 19, "ExecutionSucceeded"),
    ]


def test_a_distributed_map_keeps_its_iterations_out_of_the_history() -> None:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "OutputPath": "$.missing", "End": True}},
    }
    definition = {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True}},
    }
    d = Driver(definition, [{"missing": 1}])
    assert [t for _, _, t in links(d)] == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    failing = Driver(definition, [{}])
    assert failing.last.outcome is not None
    # The iteration's cause cites its own (child execution's) history: its state entered at #2.
    assert "(entered at the event id #2)" in str(failing.last.outcome.cause)
    assert [t for _, _, t in links(failing)][-3:] == [
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]
