"""The orchestrator's control API: state machines, executions, history, task callbacks.

Routes translate HTTP into calls on the Orchestrator and back; errors become problem+json."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.exc import NoResultFound
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator import engine, queries
from orchestrator.errors import (
    ExecutionDoesNotExist,
    OrchestratorError,
    StateMachineDoesNotExist,
)
from orchestrator.input_checks import (
    EXECUTION_STATUSES,
    check_names,
    check_payload,
    check_status_filter,
)
from orchestrator.names import NAME_SCHEMA
from orchestrator.registry import Registry
from orchestrator.schemas import (
    MAX_INT,
    Execution,
    ExecutionList,
    History,
    HistoryEvent,
    RegisterStateMachineRequest,
    SendTaskFailure,
    SendTaskHeartbeat,
    SendTaskSuccess,
    StartExecutionRequest,
    StateMachine,
    StopRequest,
    ValidateRequest,
    ValidateResponse,
)
from orchestrator.service import Orchestrator
from servicekit.http import DbSession
from servicekit.messages import TaskReply
from servicekit.problems import Problem

router = APIRouter()

# The longest long-poll of the history (`waitSeconds`): below any client's or proxy's timeout.
MAX_WAIT_SECONDS = 20


async def get_orchestrator(request: Request) -> Orchestrator:
    return request.app.state.orchestrator


async def get_registry(request: Request) -> Registry:
    return request.app.state.registry


OrchestratorDep = Annotated[Orchestrator, Depends(get_orchestrator)]
RegistryDep = Annotated[Registry, Depends(get_registry)]


def _json(
    model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """The model as JSON, serialized once: the hot routes return it directly, which spares
    FastAPI validating the returned model against `response_model` a second time (the
    response_model stays on the route for the OpenAPI document)."""
    return Response(model.model_dump_json(), status_code, headers, media_type="application/json")


def problem(exc: OrchestratorError) -> Problem:
    return Problem(exc.status, exc.title, str(exc))


# ---- state machines ------------------------------------------------------------------------


@router.get("/state-machines", response_model=list[StateMachine], tags=["state machines"])
async def list_state_machines(session: DbSession, registry: RegistryDep) -> list[StateMachine]:
    return [
        StateMachine(name=v.name, version=v.version, createdAt=v.created_at)
        for v in await registry.list_latest(session)
    ]


@router.get("/state-machines/{name}", response_model=StateMachine, tags=["state machines"])
async def describe_state_machine(
    name: str,
    session: DbSession,
    registry: RegistryDep,
    version: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
) -> StateMachine:
    found = (
        await registry.latest(session, name)
        if version is None
        else await _version_or_none(registry, session, name, version)
    )
    if found is None:
        raise problem(StateMachineDoesNotExist(f"no state machine {name!r}"))
    return StateMachine(
        name=found.name,
        version=found.version,
        createdAt=found.created_at,
        definition=found.definition,
    )


async def _version_or_none(
    registry: Registry, session: AsyncSession, name: str, version: int
) -> Any:
    try:
        return await registry.get(session, name, version)
    except NoResultFound:
        return None


@router.put(
    "/state-machines/{name}",
    response_model=StateMachine,
    responses={201: {"model": StateMachine, "description": "registered as a new version"}},
    tags=["state machines"],
)
async def register_state_machine(
    name: Annotated[str, Path(json_schema_extra=NAME_SCHEMA)],
    body: RegisterStateMachineRequest,
    session: DbSession,
    registry: RegistryDep,
    response: Response,
) -> StateMachine:
    """Register `definition` as the next version of `name` (no new version if unchanged)."""
    check_names(name=name)
    try:
        async with session.begin():
            before = await registry.latest(session, name)
            registered = await registry.register(session, name, body.definition)
    except engine.DefinitionError as exc:
        raise _invalid_definition(exc.problems) from exc
    if before is None or before.version != registered.version:
        response.status_code = status.HTTP_201_CREATED
    return StateMachine(
        name=registered.name,
        version=registered.version,
        createdAt=registered.created_at,
        definition=registered.definition,
    )


@router.post("/state-machines/validate", response_model=ValidateResponse, tags=["state machines"])
async def validate_state_machine(body: ValidateRequest, registry: RegistryDep) -> ValidateResponse:
    """Validate a definition without registering it (as ValidateStateMachineDefinition)."""
    problems = registry.validate(body.definition)
    return ValidateResponse(result="FAIL" if problems else "OK", diagnostics=problems)


def _invalid_definition(problems: list[str]) -> Problem:
    return Problem(
        400,
        "InvalidDefinition",
        f"the definition has {len(problems)} problem(s): " + "; ".join(problems),
        [{"field": "definition", "message": p} for p in problems],
    )


# ---- executions ----------------------------------------------------------------------------


@router.post(
    "/executions",
    response_model=Execution,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": Execution, "description": "the same name and input: no new one"}},
    tags=["executions"],
)
async def start_execution(body: StartExecutionRequest, orchestrator: OrchestratorDep) -> Response:
    """StartExecution. Idempotent on `name`: 201 when started, 200 when the same name and input
    already exist, 409 when the name exists with another input."""
    check_names(stateMachineName=body.stateMachineName, name=body.name)
    check_payload("input", body.input)
    try:
        started = await orchestrator.start_execution(
            body.stateMachineName, body.name, body.input, version=body.stateMachineVersion
        )
    except OrchestratorError as exc:
        raise problem(exc) from exc
    return _json(
        Execution.from_row(started.execution),
        status.HTTP_201_CREATED if started.created else status.HTTP_200_OK,
        {"Location": f"/executions/{started.execution.execution_id}"},
    )


@router.get(
    "/executions",
    response_model=ExecutionList,
    summary="List executions, newest first, filtered, with counts by status",
    tags=["executions"],
)
async def list_executions(
    session: DbSession,
    stateMachineName: str | None = None,
    statusFilter: Annotated[
        str | None, Query(alias="status", json_schema_extra={"enum": list(EXECUTION_STATUSES)})
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
    name: Annotated[
        str | None, Query(max_length=80, description="executions whose name contains this")
    ] = None,
    startedAfter: Annotated[datetime | None, Query(description="started at or after")] = None,
    startedBefore: Annotated[datetime | None, Query(description="started before")] = None,
    counts: Annotated[bool, Query(description="add counts by status (all pages)")] = False,
) -> Response:
    """Newest first; pass `nextCursor` back as `cursor` for the next page."""
    check_status_filter(statusFilter)
    try:
        rows, next_cursor = await queries.list_executions(
            session,
            stateMachineName,
            statusFilter,
            limit,
            cursor,
            name_contains=name,
            started_after=startedAfter,
            started_before=startedBefore,
        )
    except ValueError as exc:
        raise Problem(400, "InvalidCursor", str(exc)) from exc
    where = queries.ExecutionFilter(
        stateMachineName, statusFilter, name, startedAfter, startedBefore
    )
    listed = ExecutionList(
        executions=[Execution.from_row(row) for row in rows],
        nextCursor=next_cursor,
        counts=await queries.count_by_status(session, where) if counts else None,
    )
    return _json(listed)


@router.get("/executions/{execution_id}", response_model=Execution, tags=["executions"])
async def describe_execution(execution_id: str, orchestrator: OrchestratorDep) -> Response:
    try:
        return _json(Execution.from_row(await orchestrator.describe(execution_id)))
    except OrchestratorError as exc:
        raise problem(exc) from exc


@router.get(
    "/executions/{execution_id}/history",
    response_model=History,
    summary="GetExecutionHistory: every event, or a page of them with `limit`",
    tags=["executions"],
)
async def execution_history(
    execution_id: str,
    orchestrator: OrchestratorDep,
    request: Request,
    reverseOrder: bool = False,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="events per page")] = None,
    cursor: Annotated[str | None, Query(description="`nextCursor` of the page before")] = None,
    waitSeconds: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT_SECONDS,
            description="Wait up to this many seconds for a RUNNING execution to end before "
            "reading its events (a long-poll: the answer comes as soon as it ends)",
        ),
    ] = 0,
) -> Response:
    """AWS's event types. Without `limit`, every event; with it, one page and `nextCursor`."""
    if waitSeconds > 0:
        try:
            await orchestrator.wait_for_end(execution_id, waitSeconds)
        except OrchestratorError as exc:
            raise problem(exc) from exc
    if limit is None and cursor is None:
        try:
            every_event = await orchestrator.history_json(execution_id, reverse=reverseOrder)
        except OrchestratorError as exc:
            raise problem(exc) from exc
        # History's shape, its events as Postgres wrote them (statements.HISTORY_JSON).
        body = f'{{"events":{every_event},"nextCursor":null}}'
        return Response(body, media_type="application/json")
    after = _event_cursor(cursor)
    page_size = limit or 100
    # A session only for pages: the whole history (what web polls) takes the hot path's pool.
    async with request.app.state.resources.sessions() as session:
        if await queries.execution_row(session, execution_id) is None:
            raise problem(ExecutionDoesNotExist(f"no execution {execution_id!r}"))
        # One event more than the page tells whether another page follows.
        events = await queries.history_page(
            session, execution_id, after, page_size + 1, reverseOrder
        )
    page, more = events[:page_size], len(events) > page_size
    return _json(
        History(
            events=[_history_event(event) for event in page],
            nextCursor=str(page[-1]["event_id"]) if more else None,
        )
    )


def _event_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit()) or int(cursor) > MAX_INT:
        raise Problem(400, "InvalidCursor", "cursor is not one this API returned")
    return int(cursor)


def _history_event(event: Any) -> HistoryEvent:
    return HistoryEvent(
        id=event["event_id"],
        previousEventId=event["previous_event_id"],
        timestamp=event["timestamp"],
        type=event["type"],
        details=event["details"],
    )


@router.post("/executions/{execution_id}/stop", response_model=Execution, tags=["executions"])
async def stop_execution(
    execution_id: str, orchestrator: OrchestratorDep, body: StopRequest | None = None
) -> Execution:
    """StopExecution: a running execution ends ABORTED; later replies are ignored. One that
    has ended already is a 409."""
    body = body or StopRequest()
    try:
        stopped = await orchestrator.stop(execution_id, body.error, body.cause, only_running=True)
        return Execution.from_row(stopped)
    except OrchestratorError as exc:
        raise problem(exc) from exc


@router.post("/executions/{execution_id}/redrive", response_model=Execution, tags=["executions"])
async def redrive_execution(execution_id: str, orchestrator: OrchestratorDep) -> Execution:
    """RedriveExecution: resume a FAILED, TIMED_OUT or ABORTED execution where it failed."""
    try:
        return Execution.from_row(await orchestrator.redrive(execution_id))
    except OrchestratorError as exc:
        raise problem(exc) from exc


# ---- task callbacks ------------------------------------------------------------------------


async def _send(orchestrator: Orchestrator, reply: TaskReply) -> dict[str, str]:
    try:
        await orchestrator.deliver_reply(reply, via="http")
    except OrchestratorError as exc:
        raise problem(exc) from exc
    return {}


@router.post("/tasks/success", tags=["tasks"])
async def send_task_success(body: SendTaskSuccess, orchestrator: OrchestratorDep) -> Any:
    """SendTaskSuccess over HTTP."""
    check_payload("output", body.output)
    return await _send(orchestrator, TaskReply.succeeded(body.taskToken, body.output))


@router.post("/tasks/failure", tags=["tasks"])
async def send_task_failure(body: SendTaskFailure, orchestrator: OrchestratorDep) -> Any:
    """SendTaskFailure over HTTP."""
    return await _send(orchestrator, TaskReply.failed(body.taskToken, body.error or "", body.cause))


@router.post("/tasks/heartbeat", tags=["tasks"])
async def send_task_heartbeat(body: SendTaskHeartbeat, orchestrator: OrchestratorDep) -> Any:
    """SendTaskHeartbeat over HTTP."""
    return await _send(orchestrator, TaskReply(body.taskToken, "HEARTBEAT"))
