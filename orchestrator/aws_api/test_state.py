"""TestState: one state run alone on a given input, with what each step of its input and output
processing made of it (`inspectionData`). The work is the engine's (orchestrator.engine.test_state);
this reads the request and turns refusals into AWS's errors. Nothing is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestrator import engine
from orchestrator.aws_api.context import AwsApi, Operation
from orchestrator.aws_api.errors import AwsError, validation
from orchestrator.aws_api.shapes import Request
from orchestrator.entropy import SecureEntropy

MAX_DEFINITION = 1_048_576
_FIELDS = ("definition", "roleArn", "input", "inspectionLevel", "revealSecrets", "variables")


async def test_state(api: AwsApi, request: Request) -> dict[str, Any]:
    request.required_text("definition", max_length=MAX_DEFINITION)
    body = {name: request.get(name) for name in (*_FIELDS, "stateName")}
    try:
        return engine.run_test_state(
            {name: value for name, value in body.items() if value is not None},
            now=datetime.now(UTC),
            entropy=SecureEntropy(),
        )
    except engine.TestStateRequestError as exc:
        raise validation(str(exc)) from exc
    except engine.DefinitionError as exc:
        problems = "; ".join(exc.problems)
        raise AwsError(
            "InvalidDefinition", f"Invalid State Machine Definition: {problems}"
        ) from exc


OPERATIONS: dict[str, Operation] = {"TestState": test_state}
