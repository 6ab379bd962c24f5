"""The process of a service that consumes commands: an HTTP app whose lifespan migrates the
service's schema, connects, and consumes its command queue through the idempotent inbox, all in
the background (servicekit.startup) so that the service is up while its dependencies are not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import Table

from servicekit.commands import CommandRouter
from servicekit.http import create_service_app
from servicekit.inbox import CommandWorker, prune_inbox
from servicekit.resources import Resources
from servicekit.settings import ServiceSettings
from servicekit.startup import Startup, connecting_in_background
from servicekit.transient import log_failure

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True)
class WorkerService:
    name: str
    schema: str
    migrations_dir: Path
    command_queue: str
    inbox: Table
    dispatch: CommandRouter
    router: APIRouter


def create_worker_app(service: WorkerService, settings: Callable[[], ServiceSettings]) -> FastAPI:
    """The app connects and starts consuming only when its lifespan starts (never at import)."""
    config = settings()

    @asynccontextmanager
    async def connect(startup: Startup) -> AsyncIterator[None]:
        resources = await Resources.open(
            config, startup, migrations_dir=service.migrations_dir, schema=service.schema
        )
        pruning = asyncio.create_task(
            _prune_forever(resources, service.inbox, timedelta(days=config.inbox_retention_days))
        )
        try:
            worker = CommandWorker(
                resources.broker,
                resources.pool,
                service.inbox,
                service.dispatch,
                plan=service.dispatch.plan,
            )
            await startup.attempt(
                "broker",
                lambda: resources.broker.consume(service.command_queue, worker.on_message),
                retry_any_error=False,
            )
            app.state.resources = resources
            yield
        finally:
            pruning.cancel()
            await asyncio.gather(pruning, return_exceptions=True)
            await resources.close()

    def lifespan(app: FastAPI) -> AbstractAsyncContextManager[None]:
        return connecting_in_background(app, service.name, connect)

    app = create_service_app(
        service.name,
        lifespan,
        api_token=config.api_token_value(),
        max_body_bytes=config.max_body_bytes,
    )
    app.include_router(service.router)
    return app


async def _prune_forever(resources: Resources, inbox: Table, retention: timedelta) -> None:
    while True:
        try:
            pruned = await prune_inbox(resources.sessions, inbox, retention)
            if pruned:
                log.info("forgot %d inbox rows older than %s", pruned, retention)
        except Exception as exc:
            log_failure(log, "inbox pruning", exc)
        await asyncio.sleep(PRUNE_EVERY_SECONDS)
