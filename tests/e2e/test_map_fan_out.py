"""Map and Parallel in a real execution: every iteration's Task goes to a service's queue."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

# Hold each line of an order separately (one hold per line, named "<order>#<index>"), two at a
# time, while a Parallel branch checks the address; then release every line hold again.
LINE_ORDER_ID = "States.Format('{}#{}', $.order_id, $$.Map.Item.Index)"
HOLD_LINES_ONE_BY_ONE: dict[str, Any] = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "HoldEachLine",
                    "States": {
                        "HoldEachLine": {
                            "Type": "Map",
                            "ItemsPath": "$.items",
                            "MaxConcurrency": 2,
                            "ItemSelector": {
                                "line_order_id.$": LINE_ORDER_ID,
                                "line.$": "$$.Map.Item.Value",
                            },
                            "ItemProcessor": {
                                "StartAt": "HoldLine",
                                "States": {
                                    "HoldLine": {
                                        "Type": "Task",
                                        "Resource": "rabbitmq:inventory.commands",
                                        "Parameters": {
                                            "type": "HoldItems",
                                            "taskToken.$": "$$.Task.Token",
                                            "order_id.$": "$.line_order_id",
                                            "items.$": "States.Array($.line)",
                                        },
                                        "ResultPath": "$.hold",
                                        "TimeoutSeconds": 30,
                                        "End": True,
                                    }
                                },
                            },
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Echo",
                    "States": {"Echo": {"Type": "Pass", "OutputPath": "$.order_id", "End": True}},
                },
            ],
            "ResultSelector": {"holds.$": "$[0]", "order_id.$": "$[1]"},
            "Next": "ReleaseEachLine",
        },
        "ReleaseEachLine": {
            "Type": "Map",
            "ItemsPath": "$.holds",
            "ItemProcessor": {
                "StartAt": "ReleaseLine",
                "States": {
                    "ReleaseLine": {
                        "Type": "Task",
                        "Resource": "rabbitmq:inventory.commands",
                        "Parameters": {
                            "type": "ReleaseHold",
                            "taskToken.$": "$$.Task.Token",
                            "order_id.$": "$.line_order_id",
                        },
                        "TimeoutSeconds": 30,
                        "End": True,
                    }
                },
            },
            "End": True,
        },
    },
}


def test_map_fans_out_one_command_per_item_and_collects_the_replies(
    orchestrator: httpx.Client, inventory: httpx.Client
) -> None:
    skus = [item["sku"] for item in inventory.get("/items").json() if item["available"] >= 2][:3]
    assert len(skus) == 3, "the seeded catalog needs three stocked products"
    registered = orchestrator.put(
        "/state-machines/hold-lines-one-by-one", json={"definition": HOLD_LINES_ONE_BY_ONE}
    )
    assert registered.status_code in (200, 201), registered.text
    order_id = f"map-{uuid.uuid4().hex[:10]}"
    started = orchestrator.post(
        "/executions",
        json={
            "stateMachineName": "hold-lines-one-by-one",
            "name": order_id,
            "input": {"order_id": order_id, "items": [{"sku": s, "quantity": 1} for s in skus]},
        },
    )
    assert started.status_code == 201, started.text
    execution_id = started.json()["executionId"]

    deadline = time.monotonic() + 30
    while (execution := orchestrator.get(f"/executions/{execution_id}").json())[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, execution
        time.sleep(0.1)

    assert execution["status"] == "SUCCEEDED", (execution["error"], execution["cause"])
    for index in range(3):
        holds = inventory.get("/holds", params={"order_id": f"{order_id}#{index}"}).json()
        assert [h["status"] for h in holds] == ["RELEASED"]
        assert holds[0]["items"] == [{"sku": skus[index], "quantity": 1}]
    events = orchestrator.get(f"/executions/{execution_id}/history").json()["events"]
    types = [e["type"] for e in events]
    assert types.count("TaskScheduled") == 6
    assert types.count("MapIterationSucceeded") == 6
    assert "ParallelStateSucceeded" in types
