"""The control API's answers to bad input, each problem+json naming what is wrong: 415, 400
(malformed JSON, names, filters, text Postgres cannot keep), 409 and 413."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest

from tests.integration.orchestrator.conftest import Harness

pytestmark = pytest.mark.integration

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def problem_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    return dict(problem)


def fields_of(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def a_start(machine: str, **changes: Any) -> dict[str, Any]:
    return {"stateMachineName": machine, "name": uuid.uuid4().hex, "input": {}, **changes}


async def test_a_body_that_is_not_json_is_415(harness: Harness) -> None:
    response = await harness.api.post(
        "/executions", content=b"name=x", headers={"content-type": "text/plain"}
    )
    problem_of(response, 415)


async def test_malformed_json_is_400(harness: Harness) -> None:
    response = await harness.api.post(
        "/executions", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert "not valid JSON" in problem_of(response, 400)["detail"]


@pytest.mark.parametrize(
    "bad",
    ["has space", "a" * 81, "", "x:y", "a/b", "bra[ket]", "wild*", "tab\there", "del\x7f", "q?"],
)
async def test_an_execution_name_against_aws_rules_is_400(harness: Harness, bad: str) -> None:
    machine = await harness.register(PASS)
    response = await harness.api.post("/executions", json=a_start(machine, name=bad))
    problem = problem_of(response, 400)
    assert problem["title"] == "InvalidName"
    assert fields_of(problem) == ["name"]


async def test_a_state_machine_name_against_aws_rules_is_400(harness: Harness) -> None:
    response = await harness.api.post("/executions", json=a_start("no such#machine"))
    assert fields_of(problem_of(response, 400)) == ["stateMachineName"]
    registered = await harness.api.put("/state-machines/has%20space", json={"definition": PASS})
    assert fields_of(problem_of(registered, 400)) == ["name"]


async def test_a_nul_in_the_state_machine_name_is_400_not_500(harness: Harness) -> None:
    # Found by fuzzing: Postgres refuses NUL in text, which was a 500.
    response = await harness.api.post("/executions", json=a_start("order\x00fulfillment"))
    assert fields_of(problem_of(response, 400)) == ["stateMachineName"]


async def test_a_nul_deep_in_the_input_is_400_naming_it(harness: Harness) -> None:
    machine = await harness.register(PASS)
    body = a_start(machine, input={"order": {"lines": [{"sku": "A\x00"}]}})
    response = await harness.api.post("/executions", json=body)
    assert fields_of(problem_of(response, 400)) == ["input.order.lines[0].sku"]


async def test_a_nul_in_a_path_or_query_parameter_is_400(harness: Harness) -> None:
    described = await harness.api.get("/executions/a%00b")
    assert fields_of(problem_of(described, 400)) == ["execution_id"]
    listed = await harness.api.get("/executions", params={"stateMachineName": "x\x00"})
    assert fields_of(problem_of(listed, 400)) == ["stateMachineName"]


async def test_an_unknown_status_filter_is_400(harness: Harness) -> None:
    response = await harness.api.get("/executions", params={"status": "BOGUS"})
    problem = problem_of(response, 400)
    assert fields_of(problem) == ["status"]
    assert "RUNNING" in problem["detail"]
    assert (await harness.api.get("/executions", params={"status": "RUNNING"})).status_code == 200


async def test_stopping_an_execution_that_has_ended_is_409(harness: Harness) -> None:
    machine = await harness.register(PASS)
    execution_id = await harness.start(machine, {})
    await harness.wait_status(execution_id, "SUCCEEDED")
    response = await harness.api.post(f"/executions/{execution_id}/stop")
    assert problem_of(response, 409)["title"] == "ExecutionNotRunning"
    assert (await harness.execution(execution_id))["status"] == "SUCCEEDED"


async def test_an_input_over_256_kib_is_413_naming_it(harness: Harness) -> None:
    machine = await harness.register(PASS)
    response = await harness.api.post(
        "/executions", json=a_start(machine, input={"blob": "x" * (256 * 1024)})
    )
    assert fields_of(problem_of(response, 413)) == ["input"]
    fits = await harness.api.post(
        "/executions", json=a_start(machine, input={"blob": "x" * (255 * 1024)})
    )
    assert fits.status_code == 201, fits.text


async def test_a_task_output_over_256_kib_is_413(harness: Harness) -> None:
    output = {"blob": "x" * (256 * 1024)}
    response = await harness.api.post("/tasks/success", json={"taskToken": "t", "output": output})
    assert fields_of(problem_of(response, 413)) == ["output"]


async def test_a_body_over_1_mib_is_413(harness: Harness) -> None:
    definition = {**PASS, "Comment": "x" * (1024 * 1024)}
    response = await harness.api.post(
        "/state-machines/validate",
        content=json.dumps({"definition": definition}),
        headers={"content-type": "application/json"},
    )
    problem_of(response, 413)


# ---- the allow-list of task queues (TASK_QUEUES; the harness allows *.commands and test.*) --


def one_task(resource: str) -> dict[str, Any]:
    return {
        "StartAt": "Wrap",
        "States": {
            "Wrap": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "Work",
                        "States": {"Work": {"Type": "Task", "Resource": resource, "End": True}},
                    }
                ],
            }
        },
    }


@pytest.mark.parametrize("queue", ["elsewhere", "orchestrator.results", "payment.commands.x"])
async def test_a_task_on_a_queue_outside_the_allow_list_is_invalid(
    harness: Harness, queue: str
) -> None:
    definition = one_task(f"rabbitmq:{queue}")
    name = f"sm-{uuid.uuid4().hex[:8]}"
    registered = await harness.api.put(f"/state-machines/{name}", json={"definition": definition})
    problem = problem_of(registered, 400)
    [message] = [error["message"] for error in problem["errors"]]
    assert message.startswith("States.Wrap.Branches[0].States.Work: ")
    assert f"'rabbitmq:{queue}' is not an allowed task queue" in message
    assert "TASK_QUEUES" in message
    validated = await harness.api.post("/state-machines/validate", json={"definition": definition})
    assert validated.json() == {"result": "FAIL", "diagnostics": [message]}


@pytest.mark.parametrize("queue", ["payment.commands", "test.anything", "activity.review"])
async def test_allowed_queues_and_activities_are_valid(harness: Harness, queue: str) -> None:
    validated = await harness.api.post(
        "/state-machines/validate", json={"definition": one_task(f"rabbitmq:{queue}")}
    )
    assert validated.json() == {"result": "OK", "diagnostics": []}


async def test_numbers_and_cursors_postgres_cannot_take_are_4xx(harness: Harness) -> None:
    # Found by fuzzing: ?version= past Postgres' integer was a 500.
    machine = await harness.register(PASS)
    huge = str(2**63)
    described = await harness.api.get(f"/state-machines/{machine}", params={"version": huge})
    assert fields_of(problem_of(described, 422)) == ["version"]
    started = await harness.api.post(
        "/executions", json=a_start(machine, stateMachineVersion=2**40)
    )
    assert fields_of(problem_of(started, 422)) == ["stateMachineVersion"]
    execution_id = await harness.start(machine, {})
    for cursor in (huge, "²"):
        page = await harness.api.get(
            f"/executions/{execution_id}/history", params={"cursor": cursor}
        )
        assert problem_of(page, 400)["title"] == "InvalidCursor"
    forged = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+00:00", "x\x00"]).encode())
    listed = await harness.api.get("/executions", params={"cursor": forged.decode()})
    assert problem_of(listed, 400)["title"] == "InvalidCursor"
