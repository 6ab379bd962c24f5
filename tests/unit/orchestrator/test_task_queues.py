"""The allow-list of task queues, on parsed definitions: which queues, and which states."""

from __future__ import annotations

from typing import Any

from orchestrator.engine import parse_definition
from orchestrator.task_queues import TaskQueues


def task(queue: str, **more: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": f"rabbitmq:{queue}", **more}


def test_glob_patterns_comma_separated() -> None:
    queues = TaskQueues(" *.commands , reports.* ")
    assert queues.allows("payment.commands")
    assert queues.allows("reports.daily")
    assert not queues.allows("payment.commands.extra")
    assert not queues.allows("elsewhere")


def test_activities_always_and_the_result_queue_never() -> None:
    assert TaskQueues("").allows("activity.review")
    assert not TaskQueues("*").allows("orchestrator.results")


def test_every_task_at_any_depth_is_named() -> None:
    machine = parse_definition(
        {
            "StartAt": "Charge",
            "States": {
                "Charge": task("payment.commands", Next="Each"),
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "Hold",
                        "States": {"Hold": task("stock.internal", End=True)},
                    },
                    "Next": "Both",
                },
                "Both": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "Ship", "States": {"Ship": task("x", End=True)}}],
                    "End": True,
                },
            },
        }
    )
    problems = TaskQueues().problems(machine)
    assert [p.split(":", 1)[0] for p in problems] == [
        "States.Each.ItemProcessor.States.Hold",
        "States.Both.Branches[0].States.Ship",
    ]
    assert "(TASK_QUEUES: *.commands)" in problems[0]
