"""The process of a service that consumes commands: an HTTP app whose lifespan migrates the
service's schema, connects, and consumes its command queue through the idempotent inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import Table

from servicekit.http import create_service_app
from servicekit.inbox import CommandWorker, Dispatch
from servicekit.resources import Resources
from servicekit.settings import ServiceSettings


@dataclass(frozen=True)
class WorkerService:
    name: str
    schema: str
    migrations_dir: Path
    command_queue: str
    inbox: Table
    dispatch: Dispatch
    router: APIRouter


def create_worker_app(service: WorkerService, settings: Callable[[], ServiceSettings]) -> FastAPI:
    """The app connects and starts consuming only when its lifespan starts (never at import)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(
            settings(), migrations_dir=service.migrations_dir, schema=service.schema
        )
        try:
            worker = CommandWorker(
                resources.broker, resources.sessions, service.inbox, service.dispatch
            )
            await resources.broker.consume(service.command_queue, worker.on_message)
            app.state.resources = resources
            yield
        finally:
            await resources.close()

    app = create_service_app(service.name, lifespan)
    app.include_router(service.router)
    return app
