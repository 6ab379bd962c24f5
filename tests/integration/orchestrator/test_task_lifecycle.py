"""The shell around the engine, against real Postgres and RabbitMQ: commands out, replies in."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.integration.orchestrator.conftest import Harness

pytestmark = pytest.mark.integration


def two_steps(queue: str, timeout: int = 30, retry: list[dict[str, Any]] | None = None) -> dict:
    return {
        "StartAt": "First",
        "States": {
            "First": {
                "Type": "Task",
                "Resource": f"rabbitmq:{queue}",
                "Parameters": {"step": "first", "token.$": "$$.Task.Token", "n.$": "$.n"},
                "ResultPath": "$.first",
                "TimeoutSeconds": timeout,
                "Retry": retry or [],
                "Next": "Second",
            },
            "Second": {
                "Type": "Task",
                "Resource": f"rabbitmq:{queue}",
                "Parameters": {"step": "second", "token.$": "$$.Task.Token"},
                "ResultPath": "$.second",
                "End": True,
            },
        },
    }


def queue_name() -> str:
    return f"test.it-{uuid.uuid4().hex[:10]}"


async def test_commands_carry_the_wire_contract_and_replies_advance(harness: Harness) -> None:
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 7})

    first = await harness.next_command(queue)
    assert first.message_id
    body = json.loads(first.body)
    assert body == {"step": "first", "token": first.message_id, "n": 7}
    assert first.correlation_id == execution_id
    assert first.reply_to == "orchestrator.results"
    assert first.headers["state-name"] == "First"
    assert first.headers["attempt"] == 0
    assert first.delivery_mode == 2  # persistent

    await harness.reply({"taskToken": first.message_id, "status": "SUCCEEDED", "output": {"a": 1}})
    second = await harness.next_command(queue)
    await harness.reply({"taskToken": second.message_id, "status": "SUCCEEDED", "output": 2})

    done = await harness.wait_status(execution_id, "SUCCEEDED")
    assert done["output"] == {"n": 7, "first": {"a": 1}, "second": 2}
    assert done["stopDate"] is not None


async def test_a_duplicate_reply_is_recorded_and_changes_nothing(harness: Harness) -> None:
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 1})
    first = await harness.next_command(queue)
    reply = {"taskToken": first.message_id, "status": "SUCCEEDED", "output": "once"}

    await harness.reply(reply)
    second = await harness.next_command(queue)
    await harness.reply({**reply, "output": "twice"})
    await harness.reply({"taskToken": second.message_id, "status": "SUCCEEDED", "output": 2})

    done = await harness.wait_status(execution_id, "SUCCEEDED")
    assert done["output"]["first"] == "once"
    assert (await harness.history_types(execution_id)).count("TaskSucceeded") == 2


async def test_failure_without_catch_fails_the_execution(harness: Harness) -> None:
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 1})
    first = await harness.next_command(queue)

    await harness.reply(
        {"taskToken": first.message_id, "status": "FAILED", "error": "Boom", "cause": "because"}
    )

    failed = await harness.wait_status(execution_id, "FAILED")
    assert (failed["error"], failed["cause"]) == ("Boom", "because")
    assert (await harness.history_types(execution_id))[-1] == "ExecutionFailed"


async def test_a_timed_out_attempt_is_retried_with_a_new_token(harness: Harness) -> None:
    queue = queue_name()
    retry = [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 1}]
    machine = await harness.register(two_steps(queue, timeout=1, retry=retry))
    execution_id = await harness.start(machine, {"n": 1})

    first = await harness.next_command(queue)
    retried = await harness.next_command(queue, timeout=10)
    assert retried.message_id != first.message_id
    assert retried.headers["attempt"] == 1

    # The first attempt is over: its late reply is stale over HTTP too.
    late = await harness.api.post(
        "/tasks/success", json={"taskToken": first.message_id, "output": "late"}
    )
    assert late.status_code == 400
    assert late.json()["title"] == "TaskTimedOut"

    ok = await harness.api.post(
        "/tasks/success", json={"taskToken": retried.message_id, "output": "on time"}
    )
    assert ok.status_code == 200, ok.text
    second = await harness.next_command(queue)
    await harness.reply({"taskToken": second.message_id, "status": "SUCCEEDED", "output": 2})
    done = await harness.wait_status(execution_id, "SUCCEEDED")
    assert done["output"]["first"] == "on time"
    assert "TaskTimedOut" in await harness.history_types(execution_id)


async def test_forged_tokens_are_rejected(harness: Harness) -> None:
    response = await harness.api.post(
        "/tasks/failure", json={"taskToken": "forged-" + uuid.uuid4().hex, "error": "X"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["title"] == "InvalidToken"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not JSON"),
        (b'["a list"]', "JSON object"),
        (b'{"status": "SUCCEEDED"}', "taskToken"),
        (b'{"taskToken": "nobody-issued-this", "status": "SUCCEEDED"}', "unknown task token"),
        (b'{"taskToken": "t", "status": "SUCCEEDED", "output": "\\u0000"}', "output"),
        (b'{"taskToken": "t", "output": "' + b"x" * 1024 * 1024 + b'"}', "at most 1048576"),
    ],
    ids=["not-json", "not-an-object", "no-token", "unknown-token", "nul", "over-1-mib"],
)
async def test_poison_replies_go_to_the_dead_letter_queue(
    harness: Harness, body: bytes, reason: str
) -> None:
    marker = uuid.uuid4().hex
    await harness.broker.publish("orchestrator.results", body, message_id=marker)

    dead = await _find_dead_letter(harness, marker)
    assert reason in dead.headers["x-death-reason"]
    assert dead.body == body

    # The consumer lives on: a normal execution still completes.
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 1})
    for _ in range(2):
        command = await harness.next_command(queue)
        await harness.reply({"taskToken": command.message_id, "status": "SUCCEEDED"})
    await harness.wait_status(execution_id, "SUCCEEDED")


async def _find_dead_letter(harness: Harness, marker: str) -> Any:
    for _ in range(3):
        try:
            message = await harness.next_command("orchestrator.results.dlq", timeout=5)
        except AssertionError:
            continue
        if message.message_id == marker:
            return message
    raise AssertionError(f"message {marker} never reached the dead-letter queue")


async def test_stop_aborts_and_later_replies_are_ignored(harness: Harness) -> None:
    queue = queue_name()
    machine = await harness.register(two_steps(queue))
    execution_id = await harness.start(machine, {"n": 1})
    first = await harness.next_command(queue)

    stopped = await harness.api.post(
        f"/executions/{execution_id}/stop", json={"error": "Operator", "cause": "test"}
    )
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "ABORTED"
    late = await harness.api.post(
        "/tasks/success", json={"taskToken": first.message_id, "output": 1}
    )
    assert late.status_code == 400
    assert (await harness.execution(execution_id))["status"] == "ABORTED"
    assert (await harness.history_types(execution_id))[-1] == "ExecutionAborted"
