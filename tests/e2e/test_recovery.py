"""What an operator and a worker can count on, end to end: stop, redrive, heartbeats, timeouts on
durable timers (across an orchestrator crash), stale replies, and stock under contention.

The Task tests play the worker themselves: they take the command from its queue, as a service
would, and answer over HTTP (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import httpx
import pytest

from devtools.processes import Stack
from devtools.queue_reader import QueueReader
from tests.e2e.orders import available, order_request, place, wait_finished

pytestmark = pytest.mark.e2e


# ---- the worker's side --------------------------------------------------------------------


def take_commands(amqp_url: str, queue: str, count: int, timeout: float = 20) -> list[dict]:
    """The next `count` commands on `queue`: {"token", "state", "attempt", "body"} each, in the
    order the queue holds them (not always the order they were issued: a command published
    late, or again by the outbox relay, lands behind a later one)."""

    async def take() -> list[dict]:
        async with QueueReader(amqp_url, queue) as reader:
            taken: list[dict] = []
            deadline = time.monotonic() + timeout
            while len(taken) < count:
                message = await reader.get()
                if message is None:
                    assert time.monotonic() < deadline, f"{len(taken)}/{count} commands on {queue}"
                    await asyncio.sleep(0.1)
                    continue
                headers = message.headers or {}
                taken.append(
                    {
                        "token": message.message_id,
                        "state": headers.get("state-name"),
                        "attempt": headers.get("attempt"),
                        "body": json.loads(message.body),
                    }
                )
            return taken

    return asyncio.run(take())


def task_machine(queue: str, **task: Any) -> dict[str, Any]:
    """One Task on `queue` (extra fields in `task`), then the end."""
    return {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Task",
                "Resource": f"rabbitmq:{queue}",
                "Parameters": {"type": "Work", "taskToken.$": "$$.Task.Token", "input.$": "$"},
                "ResultPath": "$.work",
                **task,
                "End": True,
            }
        },
    }


def start(orchestrator: httpx.Client, definition: dict[str, Any], input: Any) -> str:
    name = f"recovery-{uuid.uuid4().hex[:10]}"
    registered = orchestrator.put(f"/state-machines/{name}", json={"definition": definition})
    assert registered.status_code in (200, 201), registered.text
    started = orchestrator.post(
        "/executions", json={"stateMachineName": name, "name": "run", "input": input}
    )
    assert started.status_code == 201, started.text
    return str(started.json()["executionId"])


def wait_status(
    orchestrator: httpx.Client, execution_id: str, status: str, timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        execution = orchestrator.get(f"/executions/{execution_id}").json()
        if execution["status"] == status:
            return dict(execution)
        assert time.monotonic() < deadline, f"not {status} after {timeout}s: {execution}"
        time.sleep(0.1)


def history_types(orchestrator: httpx.Client, execution_id: str) -> list[str]:
    events = orchestrator.get(f"/executions/{execution_id}/history").json()["events"]
    return [event["type"] for event in events]


def rejected(database_url: str, token: str) -> list[str]:
    """Why each reply with `token` was rejected, as the orchestrator recorded it."""

    async def query() -> list[str]:
        connection = await asyncpg.connect(database_url)
        try:
            rows = await connection.fetch(
                "SELECT reason FROM orchestrator.rejected_replies WHERE token = $1 ORDER BY id",
                token,
            )
            return [row["reason"] for row in rows]
        finally:
            await connection.close()

    return asyncio.run(query())


def succeed(orchestrator: httpx.Client, token: str, output: Any) -> httpx.Response:
    return orchestrator.post("/tasks/success", json={"taskToken": token, "output": output})


# ---- stop and redrive ---------------------------------------------------------------------


def test_stop_aborts_then_redrive_resumes_the_stopped_task(
    orchestrator: httpx.Client, amqp_url: str, database_url: str
) -> None:
    queue = f"test.recovery.{uuid.uuid4().hex[:8]}"
    execution_id = start(orchestrator, task_machine(queue), {"n": 1})
    [command] = take_commands(amqp_url, queue, 1)

    stopped = orchestrator.post(
        f"/executions/{execution_id}/stop", json={"error": "Operator", "cause": "drill"}
    )
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["status"] == "ABORTED"
    late = succeed(orchestrator, command["token"], {"late": True})
    assert late.status_code == 400, late.text
    assert rejected(database_url, command["token"]) == ["attempt is over"]
    assert wait_status(orchestrator, execution_id, "ABORTED")["output"] is None

    redriven = orchestrator.post(f"/executions/{execution_id}/redrive")
    assert redriven.status_code == 200, redriven.text
    assert redriven.json()["status"] == "RUNNING"
    [again] = take_commands(amqp_url, queue, 1)
    assert again["token"] != command["token"]
    assert again["body"]["input"] == {"n": 1}
    assert succeed(orchestrator, again["token"], {"done": True}).status_code == 200

    execution = wait_status(orchestrator, execution_id, "SUCCEEDED")
    assert execution["output"] == {"n": 1, "work": {"done": True}}
    assert execution["redriveCount"] == 1
    types = history_types(orchestrator, execution_id)
    assert types.index("ExecutionAborted") < types.index("ExecutionRedriven")
    assert types[-1] == "ExecutionSucceeded"


def test_redrive_restarts_the_failed_state_keeping_earlier_results(
    orchestrator: httpx.Client, amqp_url: str
) -> None:
    queue = f"test.recovery.{uuid.uuid4().hex[:8]}"
    step = {"Type": "Task", "Resource": f"rabbitmq:{queue}"}
    definition = {
        "StartAt": "First",
        "States": {
            "First": {
                **step,
                "Parameters": {"type": "First", "taskToken.$": "$$.Task.Token"},
                "ResultPath": "$.first",
                "Next": "Second",
            },
            "Second": {
                **step,
                "Parameters": {
                    "type": "Second",
                    "taskToken.$": "$$.Task.Token",
                    "first.$": "$.first",
                },
                "ResultPath": "$.second",
                "End": True,
            },
        },
    }
    execution_id = start(orchestrator, definition, {})
    [first] = take_commands(amqp_url, queue, 1)
    assert succeed(orchestrator, first["token"], {"charged": 100}).status_code == 200
    [second] = take_commands(amqp_url, queue, 1)
    failed = orchestrator.post(
        "/tasks/failure",
        json={"taskToken": second["token"], "error": "Boom", "cause": "a bad day"},
    )
    assert failed.status_code == 200, failed.text
    assert wait_status(orchestrator, execution_id, "FAILED")["error"] == "Boom"
    not_again = orchestrator.post(f"/executions/{execution_id}/stop")
    assert not_again.status_code == 409, not_again.text  # it has ended: nothing to stop
    assert orchestrator.get(f"/executions/{execution_id}").json()["status"] == "FAILED"

    assert orchestrator.post(f"/executions/{execution_id}/redrive").status_code == 200
    # Only the failed state runs again, with what the first one returned.
    [retried] = take_commands(amqp_url, queue, 1)
    assert retried["state"] == "Second"
    assert retried["body"]["first"] == {"charged": 100}
    assert succeed(orchestrator, retried["token"], {"shipped": True}).status_code == 200

    execution = wait_status(orchestrator, execution_id, "SUCCEEDED")
    assert execution["output"] == {"first": {"charged": 100}, "second": {"shipped": True}}
    assert "ExecutionRedriven" in history_types(orchestrator, execution_id)
    again = orchestrator.post(f"/executions/{execution_id}/redrive")
    assert again.status_code == 409, again.text


# ---- heartbeats and timeouts --------------------------------------------------------------


def test_heartbeats_extend_the_deadline_until_they_stop(
    orchestrator: httpx.Client, amqp_url: str, database_url: str
) -> None:
    queue = f"test.recovery.{uuid.uuid4().hex[:8]}"
    definition = task_machine(
        queue,
        TimeoutSeconds=60,
        # Wide enough that reading the command (a quorum queue's first basic.get can need a
        # reconnect) does not use up the first heartbeat's window: CI saw 2 s expire.
        HeartbeatSeconds=4,
        Catch=[
            {"ErrorEquals": ["States.HeartbeatTimeout"], "ResultPath": "$.error", "Next": "Gone"}
        ],
    )
    definition["States"]["Work"].pop("End")
    definition["States"]["Work"]["Next"] = "Gone"
    definition["States"]["Gone"] = {"Type": "Pass", "End": True}
    execution_id = start(orchestrator, definition, {})
    [command] = take_commands(amqp_url, queue, 1)

    # Longer than HeartbeatSeconds, with a heartbeat every second: still running.
    for _ in range(6):
        beat = orchestrator.post("/tasks/heartbeat", json={"taskToken": command["token"]})
        assert beat.status_code == 200, beat.text
        time.sleep(1)
    assert orchestrator.get(f"/executions/{execution_id}").json()["status"] == "RUNNING"

    # Silence: the heartbeat timer fires, the Catch takes States.HeartbeatTimeout.
    execution = wait_status(orchestrator, execution_id, "SUCCEEDED", timeout=12)
    assert execution["output"]["error"]["Error"] == "States.HeartbeatTimeout"
    assert "TaskTimedOut" in history_types(orchestrator, execution_id)

    late = succeed(orchestrator, command["token"], {"too": "late"})
    assert late.status_code == 400, late.text
    assert rejected(database_url, command["token"]) == ["attempt is over"]
    assert orchestrator.get(f"/executions/{execution_id}").json()["output"] == execution["output"]


def test_a_timed_out_attempt_is_retried_and_its_late_reply_changes_nothing(
    orchestrator: httpx.Client, amqp_url: str, database_url: str
) -> None:
    queue = f"test.recovery.{uuid.uuid4().hex[:8]}"
    retry = [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}]
    execution_id = start(orchestrator, task_machine(queue, TimeoutSeconds=1, Retry=retry), {})

    first, second = sorted(take_commands(amqp_url, queue, 2), key=lambda c: c["attempt"])
    assert (first["attempt"], second["attempt"]) == (0, 1)  # retries counted from 0
    assert first["token"] != second["token"]
    assert succeed(orchestrator, first["token"], {"attempt": 1}).status_code == 400
    assert rejected(database_url, first["token"]) == ["attempt is over"]
    assert succeed(orchestrator, second["token"], {"attempt": 2}).status_code == 200

    execution = wait_status(orchestrator, execution_id, "SUCCEEDED")
    assert execution["output"] == {"work": {"attempt": 2}}
    assert history_types(orchestrator, execution_id).count("TaskTimedOut") == 1


def test_a_timeout_fires_after_an_orchestrator_crash(
    stack: Stack, orchestrator: httpx.Client, amqp_url: str
) -> None:
    """The timer is a row: SIGKILL the orchestrator before it is due, start it after; it fires."""
    queue = f"test.recovery.{uuid.uuid4().hex[:8]}"
    definition = task_machine(
        queue,
        TimeoutSeconds=2,
        Catch=[{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Late"}],
    )
    definition["States"]["Work"].pop("End")
    definition["States"]["Work"]["Next"] = "Late"
    definition["States"]["Late"] = {"Type": "Pass", "End": True}
    execution_id = start(orchestrator, definition, {})
    take_commands(amqp_url, queue, 1)

    stack.services["orchestrator"].kill()
    time.sleep(3)  # past the deadline, with no orchestrator running
    stack.services["orchestrator"].restart()

    execution = wait_status(orchestrator, execution_id, "SUCCEEDED", timeout=15)
    assert execution["output"]["error"]["Error"] == "States.Timeout"


# ---- contention -----------------------------------------------------------------------------


def test_fifty_orders_for_the_last_ten_units_hold_exactly_ten(
    web: httpx.Client, inventory: httpx.Client
) -> None:
    sku = "SKU-POSTER"
    left = available(web, sku)
    if left > 10:  # sell all but ten
        assert (
            wait_finished(web, place(web, order_request(sku, left - 10)))["status"] == "COMPLETED"
        )
    elif left < 10:
        inventory.post(f"/items/{sku}/restock", json={"quantity": 10 - left}).raise_for_status()
    assert available(web, sku) == 10

    with ThreadPoolExecutor(max_workers=50) as pool:
        order_ids = list(pool.map(lambda _: place(web, order_request(sku, 1)), range(50)))
    orders = [wait_finished(web, order_id, timeout=90) for order_id in order_ids]

    completed = [order for order in orders if order["status"] == "COMPLETED"]
    assert len(completed) == 10
    assert {order["failure"]["error"] for order in orders if order not in completed} == {
        "OutOfStock"
    }
    held = [
        hold
        for order_id in order_ids
        for hold in inventory.get("/holds", params={"order_id": order_id}).json()
        if hold["status"] == "HELD"
    ]
    assert sum(line["quantity"] for hold in held for line in hold["items"]) == 10
    assert available(web, sku) == 0
    inventory.post(f"/items/{sku}/restock", json={"quantity": 30}).raise_for_status()
