"""POST /executions with `stateMachineVersion`: an older registered version runs as it was."""

from __future__ import annotations

import uuid
from typing import Any

from tests.integration.orchestrator.conftest import Harness


def greeting(word: str) -> dict[str, Any]:
    return {"StartAt": "Say", "States": {"Say": {"Type": "Pass", "Result": word, "End": True}}}


async def start(harness: Harness, machine: str, version: int | None) -> Any:
    body: dict[str, Any] = {"stateMachineName": machine, "name": uuid.uuid4().hex, "input": {}}
    if version is not None:
        body["stateMachineVersion"] = version
    return await harness.api.post("/executions", json=body)


async def test_an_older_version_runs_its_own_definition(harness: Harness) -> None:
    machine = await harness.register(greeting("first"))
    response = await harness.api.put(
        f"/state-machines/{machine}", json={"definition": greeting("second")}
    )
    assert response.status_code in (200, 201), response.text

    old = await start(harness, machine, 1)
    new = await start(harness, machine, None)

    assert old.status_code == 201, old.text
    assert old.json()["stateMachineVersion"] == 1
    assert (await harness.wait_status(old.json()["executionId"], "SUCCEEDED"))["output"] == "first"
    assert new.json()["stateMachineVersion"] == 2
    assert (await harness.wait_status(new.json()["executionId"], "SUCCEEDED"))["output"] == "second"


async def test_the_newest_version_named_explicitly_starts_too(harness: Harness) -> None:
    machine = await harness.register(greeting("only"))
    response = await start(harness, machine, 1)
    assert response.status_code == 201, response.text


async def test_a_version_never_registered_is_404(harness: Harness) -> None:
    machine = await harness.register(greeting("only"))
    response = await start(harness, machine, 7)
    assert response.status_code == 404, response.text
    assert response.json()["title"] == "StateMachineDoesNotExist"
