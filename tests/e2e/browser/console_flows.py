"""State machines and helpers the console's browser tests drive through the orchestrator's API."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx

STEPS = ["Reserve", "Charge", "Ship"]


def gated_steps(queue: str) -> dict[str, Any]:
    """Three Tasks on a queue nobody consumes: each advances when the test sends its token."""
    states: dict[str, Any] = {}
    for i, step in enumerate(STEPS):
        states[step] = {
            "Type": "Task",
            "Resource": f"rabbitmq:{queue}",
            "Parameters": {"step": step, "token.$": "$$.Task.Token"},
            "ResultPath": f"$.{step.lower()}",
            **({"Next": STEPS[i + 1]} if i + 1 < len(STEPS) else {"End": True}),
        }
    return {"Comment": "advanced by hand", "StartAt": STEPS[0], "States": states}


SHAPES = {
    "Comment": "Every kind of node the console draws",
    "StartAt": "Classify",
    "States": {
        "Classify": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "bulk", "Next": "EachItem"},
                {
                    "And": [
                        {"Variable": "$.n", "NumericGreaterThan": 10},
                        {"Variable": "$.rush", "BooleanEquals": True},
                    ],
                    "Next": "Both",
                },
            ],
            "Default": "Pause",
        },
        "EachItem": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Price",
                "States": {
                    "Price": {"Type": "Pass", "Next": "Check"},
                    "Check": {"Type": "Pass", "End": True},
                },
            },
            "Next": "Done",
        },
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Pass", "End": True}}},
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}],
            "Next": "Done",
        },
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Oops": {"Type": "Fail", "Error": "Bad"},
        "Done": {"Type": "Succeed"},
    },
}


def two_hundred_states(catch_to_last: bool = False) -> dict[str, Any]:
    """200 states: a chain of Pass and Task states with a Choice every tenth that may skip
    ahead, and a Catch on every Task to a state a few steps on (a saga's compensation) or, with
    `catch_to_last`, all to the last state: 40 edges across the whole graph (every twentieth
    Task is a Choice), the hardest case for dagre (each crossed rank is a node more to place)."""
    names = [f"Step{i:03d}" for i in range(200)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        after = names[i + 1] if i + 1 < len(names) else None
        if i % 10 == 9 and i + 3 < len(names):
            states[name] = {
                "Type": "Choice",
                "Choices": [{"Variable": "$.skip", "BooleanEquals": True, "Next": names[i + 3]}],
                "Default": after,
            }
        elif i % 4 == 1:
            states[name] = {
                "Type": "Task",
                "Resource": "rabbitmq:test.console.nobody",
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": names[-1] if catch_to_last else names[min(i + 6, 199)],
                    }
                ],
                **({"Next": after} if after else {"End": True}),
            }
        else:
            states[name] = {"Type": "Pass", **({"Next": after} if after else {"End": True})}
    return {"StartAt": names[0], "States": states}


def many_events(items: int) -> dict[str, Any]:
    """An inline Map of Pass states: about six history events per item."""
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "StartAt": "A",
                    "States": {
                        "A": {"Type": "Pass", "Next": "B"},
                        "B": {"Type": "Pass", "End": True},
                    },
                },
                "ResultSelector": {"done": True},
                "End": True,
            }
        },
    }


def register(orchestrator: httpx.Client, prefix: str, definition: dict[str, Any]) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:6]}"
    response = orchestrator.put(f"/state-machines/{name}", json={"definition": definition})
    assert response.status_code == 201, response.text
    return name


def start(orchestrator: httpx.Client, machine: str, input: Any = None) -> str:
    body = {"stateMachineName": machine, "name": uuid.uuid4().hex[:12], "input": input or {}}
    response = orchestrator.post("/executions", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["executionId"])


def wait_status(orchestrator: httpx.Client, execution_id: str, status: str) -> None:
    deadline = time.monotonic() + 30
    while orchestrator.get(f"/executions/{execution_id}").json()["status"] != status:
        assert time.monotonic() < deadline, f"{execution_id} never became {status}"
        time.sleep(0.1)


def task_tokens(orchestrator: httpx.Client, execution_id: str) -> list[str]:
    """The tokens of the Tasks scheduled so far, from the history (TaskScheduled's parameters)."""
    events = orchestrator.get(f"/executions/{execution_id}/history").json()["events"]
    return [
        json.loads(event["details"]["parameters"])["token"]
        for event in events
        if event["type"] == "TaskScheduled"
    ]


def next_token(orchestrator: httpx.Client, execution_id: str, index: int) -> str:
    deadline = time.monotonic() + 15
    while True:
        tokens = task_tokens(orchestrator, execution_id)
        if len(tokens) > index:
            return tokens[index]
        assert time.monotonic() < deadline, f"no Task #{index} scheduled in {execution_id}"
        time.sleep(0.05)
