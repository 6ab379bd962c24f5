"""The orchestrator's control API over HTTP: start, describe and list executions, read history."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from servicekit.json_text import parse_json_text
from web.errors import InvalidCursor
from web.upstream import Upstream, UpstreamResponse


class _Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, validate_by_alias=True, extra="ignore"
    )


class Execution(_Wire):
    """An execution as `GET /executions/{executionId}` describes it."""

    execution_id: str
    name: str
    state_machine_name: str
    # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED (kept open to statuses added later).
    status: str
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start_date: datetime | None = None
    stop_date: datetime | None = None

    _json_text = field_validator("input", "output", mode="before")(parse_json_text)


class HistoryEvent(_Wire):
    """One event of GetExecutionHistory, with AWS's event type names."""

    id: int
    previous_event_id: int | None = None
    timestamp: datetime | None = None
    type: str
    details: dict[str, Any] = Field(default_factory=dict)


class ExecutionPage(_Wire):
    executions: list[Execution]
    next_cursor: str | None = None


_M = TypeVar("_M", bound=BaseModel)


class _History(_Wire):
    events: list[HistoryEvent]


class ExecutionAlreadyExists(Exception):
    """An execution of that name exists with a different input."""


class Orchestrator(Protocol):
    """What web needs from the orchestrator's control API."""

    async def start_execution(
        self, state_machine: str, name: str, execution_input: dict[str, Any]
    ) -> Execution:
        """Start (or find the identical) execution; `ExecutionAlreadyExists` if it differs."""
        ...

    async def describe_execution(self, execution_id: str) -> Execution | None:
        """The execution, or None when there is none of that id."""
        ...

    async def get_history(
        self, execution_id: str, wait_seconds: float = 0
    ) -> list[HistoryEvent] | None:
        """The execution's events, oldest first, or None when there is no such execution.
        With `wait_seconds`, read once it has ended or that long has passed."""
        ...

    async def list_executions(
        self, state_machine: str, limit: int, cursor: str | None
    ) -> ExecutionPage:
        """One page of the state machine's executions, newest first."""
        ...

    async def health(self) -> str:
        """'ok', or why the orchestrator is unavailable."""
        ...


def _parse(orchestrator: Upstream, model: type[_M], response: UpstreamResponse) -> _M:
    return orchestrator.parse(response, model.model_validate_json, f"a {model.__name__}")


class OrchestratorClient:
    """`Orchestrator` over HTTP."""

    def __init__(self, orchestrator: Upstream) -> None:
        self._orchestrator = orchestrator

    async def _call(self, method: str, url: str, **kwargs: Any) -> UpstreamResponse:
        return await self._orchestrator.request(method, url, **kwargs)

    async def start_execution(
        self, state_machine: str, name: str, execution_input: dict[str, Any]
    ) -> Execution:
        body = {"stateMachineName": state_machine, "name": name, "input": execution_input}
        response = await self._call("POST", "/executions", json_body=body)
        if response.status_code == 409:
            raise ExecutionAlreadyExists(f"{state_machine}:{name}")
        if response.status_code not in (200, 201):
            raise self._orchestrator.unexpected(response)
        return _parse(self._orchestrator, Execution, response)

    async def describe_execution(self, execution_id: str) -> Execution | None:
        response = await self._call("GET", "/executions/" + quote(execution_id, safe=":"))
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._orchestrator.unexpected(response)
        return _parse(self._orchestrator, Execution, response)

    async def get_history(
        self, execution_id: str, wait_seconds: float = 0
    ) -> list[HistoryEvent] | None:
        url = "/executions/" + quote(execution_id, safe=":") + "/history"
        params = {"waitSeconds": wait_seconds} if wait_seconds else None
        response = await self._call("GET", url, params=params, waits_seconds=wait_seconds)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._orchestrator.unexpected(response)
        return _parse(self._orchestrator, _History, response).events

    async def list_executions(
        self, state_machine: str, limit: int, cursor: str | None
    ) -> ExecutionPage:
        params: dict[str, str | int] = {"stateMachineName": state_machine, "limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = await self._call("GET", "/executions", params=params)
        if response.status_code in (400, 422) and cursor is not None:
            raise InvalidCursor(f"the orchestrator does not know cursor {cursor!r}")
        if response.status_code != 200:
            raise self._orchestrator.unexpected(response)
        return _parse(self._orchestrator, ExecutionPage, response)

    async def health(self) -> str:
        return await self._orchestrator.health()
