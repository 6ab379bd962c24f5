"""What the console reads beyond the control API: a per-state summary of an execution, a stream
of its changes, a state machine's versions. Read-only; nothing here touches the transition path."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from orchestrator import queries
from orchestrator.errors import ExecutionDoesNotExist, StateMachineDoesNotExist
from orchestrator.execution_stream import ExecutionStream
from orchestrator.schemas import MAX_INT, ExecutionStates, StateMachine, StateMachineVersions
from orchestrator.state_summary import StateSummary
from servicekit.http import DbSession
from servicekit.problems import Problem

router = APIRouter()

STREAM_POLL_SECONDS = 0.4


def _not_found(exc: ExecutionDoesNotExist | StateMachineDoesNotExist) -> Problem:
    return Problem(exc.status, exc.title, str(exc))


@router.get(
    "/executions/{execution_id}/states",
    response_model=ExecutionStates,
    summary="What happened to each state: status, attempts, and every visit's input and output",
    tags=["executions"],
)
async def execution_states(execution_id: str, session: DbSession) -> ExecutionStates:
    """Read from the execution's history. A state never entered is absent from `states`."""
    if await queries.execution_row(session, execution_id) is None:
        raise _not_found(ExecutionDoesNotExist(f"no execution {execution_id!r}"))
    summary = StateSummary()
    async for events in queries.history_from(session, execution_id):
        summary.add(events)
    return ExecutionStates.model_validate(summary.as_json())


@router.get(
    "/executions/{execution_id}/events",
    summary="A stream of the execution's changes (text/event-stream) until it ends",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "server-sent events: `execution` (as GET /executions/{id}), "
            "`states` (as GET /executions/{id}/states), `history` ({events: [...]}, the new "
            "events), then `end` once the execution has ended",
        }
    },
    tags=["executions"],
)
async def execution_events(
    execution_id: str,
    request: Request,
    session: DbSession,
    after: Annotated[
        int | None,
        Query(
            ge=0, le=MAX_INT, description="send history events after this id (default: new ones)"
        ),
    ] = None,
) -> StreamingResponse:
    if await queries.execution_row(session, execution_id) is None:
        raise _not_found(ExecutionDoesNotExist(f"no execution {execution_id!r}"))
    await session.close()  # the stream takes a session per poll, not this one for its lifetime
    stream = ExecutionStream(
        request.app.state.resources.sessions, execution_id, after, STREAM_POLL_SECONDS
    )
    return StreamingResponse(
        stream.messages(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/state-machines/{name}/versions",
    response_model=StateMachineVersions,
    summary="A state machine's versions, newest first (GET /state-machines/{name}?version=N "
    "has each one's definition)",
    tags=["state machines"],
)
async def state_machine_versions(name: str, session: DbSession) -> StateMachineVersions:
    rows = await queries.versions_of(session, name)
    if not rows:
        raise _not_found(StateMachineDoesNotExist(f"no state machine {name!r}"))
    return StateMachineVersions(
        name=name,
        versions=[
            StateMachine(name=row.name, version=row.version, createdAt=row.created_at)
            for row in rows
        ],
    )
