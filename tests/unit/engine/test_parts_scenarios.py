"""Seeded random runs of nested Parallel / Map states with Tasks, Waits, retries, catches, stale
replies, stops and redrives. The Driver checks the parts contract on every event (and that the
in-memory state decides as the stored one); here, a finished run must leave no parts behind."""

from __future__ import annotations

import random
from typing import Any

import pytest

from orchestrator.engine import (
    Event,
    RedriveRequested,
    StopRequested,
    TaskCommand,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)
from tests.unit.engine.engine_fakes import Driver


def task(**extra: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "rabbitmq:q", **extra}


RETRY = [{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}]
ITEMS_WITH_WAIT_AND_RETRY = {
    "StartAt": "Pre",
    "States": {
        "Pre": {"Type": "Pass", "Parameters": {"v.$": "$", "outer.$": "$x"}, "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 2, "Next": "T"},
        "T": task(Retry=RETRY, HeartbeatSeconds=5, TimeoutSeconds=30, End=True),
    },
}
MAP_WITH_CATCH = {
    "StartAt": "A",
    "TimeoutSeconds": 500,
    "States": {
        "A": {"Type": "Pass", "Assign": {"x": 7}, "Next": "M"},
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 2,
            "ToleratedFailureCount": 1,
            "ItemProcessor": ITEMS_WITH_WAIT_AND_RETRY,
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": "$.err"}],
            "Next": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}
NESTED_PARALLEL = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "T1", "States": {"T1": task(Retry=RETRY, End=True)}},
                {
                    "StartAt": "M",
                    "States": {
                        "M": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "ItemProcessor": {
                                "StartAt": "T",
                                "States": {
                                    "T": task(
                                        Catch=[{"ErrorEquals": ["X"], "Next": "F"}], End=True
                                    ),
                                    "F": {"Type": "Pass", "End": True},
                                },
                            },
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "W",
                    "States": {
                        "W": {"Type": "Wait", "Seconds": 3, "Next": "T"},
                        "T": task(End=True),
                    },
                },
            ],
            "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 2}],
            "End": True,
        }
    },
}
MAP_OF_MAPS = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ToleratedFailurePercentage": 30,
            "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
            "ItemProcessor": {
                "StartAt": "Inner",
                "States": {
                    "Inner": {
                        "Type": "Map",
                        "ItemsPath": "$.v.sub",
                        "MaxConcurrency": 1,
                        "ItemProcessor": {"StartAt": "T", "States": {"T": task(End=True)}},
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}
DEFINITIONS = [MAP_WITH_CATCH, NESTED_PARALLEL, MAP_OF_MAPS]


def next_event(rng: random.Random, d: Driver, waiting: list[TaskCommand], seen: list[str]) -> Event:
    roll = rng.random()
    if roll < 0.05 and seen:  # a stale or duplicate reply: ignored, or not
        return TaskSucceeded(rng.choice(seen), 1)
    if roll < 0.08:
        return StopRequested("Stop", "by test")
    if waiting and (roll < 0.75 or not d.timers):
        command = waiting.pop(rng.randrange(len(waiting)))
        kind = rng.random()
        if kind < 0.6:
            return TaskSucceeded(command.token, {"r": command.payload})
        if kind < 0.8:
            return TaskFailed(command.token, rng.choice(["Boom", "X", "Other"]), "c")
        waiting.append(command)
        return TaskHeartbeat(command.token)
    timer_id = min(d.timers, key=lambda t: (d.timers[t], t))
    d.now = max(d.now, d.timers.pop(timer_id))
    return TimerFired(timer_id)


@pytest.mark.parametrize("seed", range(60))
def test_random_runs_keep_the_parts_contract_and_leave_no_parts_behind(seed: int) -> None:
    rng = random.Random(seed)
    items = [{"k": i, "sub": list(range(rng.randrange(3)))} for i in range(rng.randrange(6))]
    d = Driver(DEFINITIONS[seed % len(DEFINITIONS)], {"items": items})
    waiting, seen = list(d.last.commands), [c.token for c in d.last.commands]
    redrives = 0
    for _ in range(300):
        outcome = d.last.outcome
        if outcome is not None:
            if outcome.status == "SUCCEEDED" or redrives == 2:
                break
            redrives += 1
            event: Event = RedriveRequested()
        elif not waiting and not d.timers:
            break
        else:
            event = next_event(rng, d, waiting, seen)
        decision = d.send(event)
        if decision.ignored is None:
            closed = set(decision.closed_tokens)
            waiting = [c for c in waiting if c.token not in closed] + decision.commands
            seen += [c.token for c in decision.commands]
    outcome = d.last.outcome
    assert outcome is not None, "the run did not end"
    if outcome.status == "SUCCEEDED":
        assert sorted(d.state.parts) == ["core", "input", "thread:root"]
