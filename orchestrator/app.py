"""Wires the orchestrator: connections, registry, engine shell, consumers and the HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from orchestrator.api import router
from orchestrator.console.routes import install_console
from orchestrator.database import open_pool
from orchestrator.entropy import SecureEntropy
from orchestrator.loops import ResultConsumer, TimerLoop
from orchestrator.outbox_relay import OutboxPublisher
from orchestrator.registry import Registry
from orchestrator.retention import Retention
from orchestrator.service import Orchestrator
from orchestrator.settings import OrchestratorSettings
from orchestrator.tables import SCHEMA
from orchestrator.views_api import router as views_router
from servicekit.http import create_service_app
from servicekit.messages import RESULT_QUEUE
from servicekit.resources import Resources

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: OrchestratorSettings | None = None) -> FastAPI:
    config = settings or OrchestratorSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(config, migrations_dir=MIGRATIONS, schema=SCHEMA)
        pool = await open_pool(config.database_url, size=config.database_pool_size)
        registry = Registry(resources.sessions)
        async with resources.sessions() as session, session.begin():
            await registry.register_directory(session, config.workflows_dir)
        publisher = OutboxPublisher(resources.broker, pool)
        orchestrator = Orchestrator(
            pool,
            registry,
            publisher,
            SecureEntropy(),
            max_batch=config.max_batch,
            batch_workers=config.batch_workers,
            state_cache_size=config.state_cache_size,
        )
        app.state.registry = registry
        app.state.orchestrator = orchestrator
        app.state.outbox = publisher
        await resources.broker.consume(RESULT_QUEUE, ResultConsumer(orchestrator).on_message)
        background = [
            asyncio.create_task(TimerLoop(pool, orchestrator).run(config.timer_poll_seconds)),
            asyncio.create_task(
                publisher.run_relay(
                    config.outbox_poll_seconds,
                    timedelta(seconds=config.outbox_grace_seconds),
                    timedelta(seconds=config.outbox_retention_seconds),
                )
            ),
        ]
        if config.execution_retention_days > 0:
            retention = timedelta(days=config.execution_retention_days)
            background.append(
                asyncio.create_task(Retention(pool).run(retention, config.retention_poll_seconds))
            )
        app.state.resources = resources
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            await orchestrator.close()
            await publisher.settle()
            await resources.close()
            await pool.close()

    app = create_service_app("stepwise orchestrator", lifespan)
    app.include_router(router)
    app.include_router(views_router)
    install_console(app)
    return app
