"""Request and response bodies of the control API (camelCase, as Step Functions' API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.names import NAME_SCHEMA

# Postgres' `integer`, which versions and event ids are: a bigger number in a request is a 422,
# not a statement that fails.
MAX_INT = 2**31 - 1


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Names follow AWS's rule (orchestrator.names), checked by the routes so that a wrong one is a
# 400 naming the field, as AWS's InvalidName; the schema documents the rule.
_NAME = Field(json_schema_extra=NAME_SCHEMA)


class StartExecutionRequest(Strict):
    stateMachineName: str = _NAME
    name: str = _NAME
    input: Any = Field(
        default_factory=dict, description="any JSON value, at most 256 KiB as compact JSON"
    )
    # None: the newest version; else that registered version (404 if there is none).
    stateMachineVersion: int | None = Field(default=None, ge=1, le=MAX_INT)


class Execution(BaseModel):
    executionId: str
    name: str
    stateMachineName: str
    stateMachineVersion: int
    status: str
    input: Any
    output: Any
    error: str | None
    cause: str | None
    startDate: datetime
    stopDate: datetime | None
    redriveCount: int

    @classmethod
    def from_row(cls, row: Any) -> Execution:
        return cls(
            executionId=row.execution_id,
            name=row.name,
            stateMachineName=row.state_machine_name,
            stateMachineVersion=row.state_machine_version,
            status=row.status,
            input=row.input,
            output=row.output,
            error=row.error,
            cause=row.cause,
            startDate=row.start_date,
            stopDate=row.stop_date,
            redriveCount=row.redrive_count,
        )


class ExecutionList(BaseModel):
    executions: list[Execution]
    nextCursor: str | None
    counts: dict[str, int] | None = Field(
        None, description="with `counts=true`: executions per status under the other filters"
    )


class HistoryEvent(BaseModel):
    id: int
    previousEventId: int
    timestamp: datetime
    type: str
    details: dict[str, Any]


class History(BaseModel):
    events: list[HistoryEvent]
    nextCursor: str | None = Field(
        None, description="with `limit`: pass back as `cursor` for the next page; null at the end"
    )


class StateVisit(BaseModel):
    """One entry into a state, from its `<Kind>StateEntered` event."""

    name: str
    type: str
    enteredEventId: int
    enteredAt: datetime
    exitedAt: datetime | None
    status: str = Field(description="IN_PROGRESS, SUCCEEDED, FAILED, CAUGHT or ABORTED")
    attempts: int
    retries: int
    error: str | None
    cause: str | None
    input: Any
    output: Any


class StateStatus(BaseModel):
    status: str = Field(
        description="IN_PROGRESS, SUCCEEDED, RETRIED (succeeded after retries), FAILED, "
        "CAUGHT or ABORTED; a state never entered is absent"
    )
    visits: int
    attempts: int
    retries: int
    lastVisit: int = Field(description="the enteredEventId of its latest visit")


class ExecutionStates(BaseModel):
    lastEventId: int
    states: dict[str, StateStatus]
    visits: list[StateVisit] = Field(description="in the order entered; the first 500")
    visitCount: int


class StateMachineVersions(BaseModel):
    name: str
    versions: list[StateMachine]


class StateMachine(BaseModel):
    name: str
    version: int
    createdAt: datetime
    definition: dict[str, Any] | None = None


class RegisterStateMachineRequest(Strict):
    definition: dict[str, Any]


class ValidateRequest(Strict):
    definition: dict[str, Any]


class ValidateResponse(BaseModel):
    result: str  # "OK" or "FAIL", as ValidateStateMachineDefinition
    diagnostics: list[str]


class StopRequest(Strict):
    error: str | None = Field(None, max_length=256)
    cause: str | None = Field(None, max_length=32768)


class SendTaskSuccess(Strict):
    taskToken: str = Field(min_length=1, max_length=1024)
    output: Any = Field(description="any JSON value, at most 256 KiB as compact JSON")


class SendTaskFailure(Strict):
    taskToken: str = Field(min_length=1, max_length=1024)
    error: str | None = Field(None, max_length=256)
    cause: str | None = Field(None, max_length=32768)


class SendTaskHeartbeat(Strict):
    taskToken: str = Field(min_length=1, max_length=1024)
