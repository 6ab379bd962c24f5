"""Wires the orchestrator: connections, registry, engine shell, consumers and the HTTP API."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from orchestrator.api import router
from orchestrator.aws_api.arns import Arns
from orchestrator.aws_api.context import AwsApi
from orchestrator.aws_api.protocol import router as aws_router
from orchestrator.aws_api.sigv4 import Verifier, parse_keys
from orchestrator.console.routes import install_console
from orchestrator.entropy import SecureEntropy
from orchestrator.gauges import BacklogGauges
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
    # Malformed keys stop the service at start rather than refuse every request later.
    aws_keys = parse_keys(config.aws_api_keys)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await Resources.open(config, migrations_dir=MIGRATIONS, schema=SCHEMA)
        pool = resources.pool
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
        app.state.metric_refreshers = [BacklogGauges(pool).refresh]
        app.state.aws_api = AwsApi(
            orchestrator,
            registry,
            resources.sessions,
            Arns(config.aws_region, config.aws_account_id),
            resources.broker,
            config.aws_activity_poll_seconds,
            sync_execution_seconds=config.aws_sync_execution_seconds,
        )
        app.state.aws_verifier = Verifier(aws_keys, config.aws_region)
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

    app = create_service_app("stepwise orchestrator", lifespan)
    app.include_router(router)
    app.include_router(aws_router)
    app.include_router(views_router)
    install_console(app)
    return app
