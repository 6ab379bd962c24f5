"""Wires the orchestrator: connections, registry, engine shell, consumers and the HTTP API.
Connecting happens in the background (servicekit.startup): the HTTP server is up before it."""

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
from orchestrator.bounds import Bounds, rejected_replies
from orchestrator.console.routes import PUBLIC_ROUTES as CONSOLE_ROUTES
from orchestrator.console.routes import install_console
from orchestrator.console.sessions import ConsoleSessions
from orchestrator.entropy import SecureEntropy
from orchestrator.gauges import BacklogGauges
from orchestrator.loops import ResultConsumer, TimerLoop
from orchestrator.outbox_relay import OutboxPublisher
from orchestrator.registry import Registry
from orchestrator.reply_senders import ReplySenders, parse_queue_owners
from orchestrator.retention import Retention
from orchestrator.service import Orchestrator
from orchestrator.settings import OrchestratorSettings
from orchestrator.tables import SCHEMA
from orchestrator.task_queues import TaskQueues
from orchestrator.views_api import router as views_router
from servicekit.amqp import Broker
from servicekit.auth import Public, require_token
from servicekit.http import create_service_app
from servicekit.messages import RESULT_QUEUE
from servicekit.resources import Resources
from servicekit.startup import Startup, connecting_in_background

MIGRATIONS = Path(__file__).parent / "migrations"
# AWS's API has its own authentication, as AWS does it: Signature Version 4 (aws_api.sigv4).
AWS_API_ROUTE = Public("POST", "/")


def create_app(settings: OrchestratorSettings | None = None) -> FastAPI:
    config = settings or OrchestratorSettings()
    # Malformed keys stop the service at start rather than refuse every request later.
    aws_keys = parse_keys(config.aws_api_keys)
    reply_senders = ReplySenders(parse_queue_owners(config.task_queue_owners))

    @contextlib.asynccontextmanager
    async def connect(startup: Startup) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:  # closes in reverse order
            resources = await Resources.open(
                config, startup, migrations_dir=MIGRATIONS, schema=SCHEMA
            )
            stack.push_async_callback(resources.close)
            registry = Registry(resources.sessions, TaskQueues(config.task_queues))
            # An invalid workflow is a bug to stop at; the database going away is not.
            await startup.attempt(
                "database",
                lambda: _register_workflows(registry, resources, config.workflows_dir),
                retry_any_error=False,
            )
            pool = resources.pool
            publisher = OutboxPublisher(resources.broker, pool)
            stack.push_async_callback(publisher.settle)
            orchestrator = Orchestrator(
                pool,
                registry,
                publisher,
                SecureEntropy(),
                max_batch=config.max_batch,
                batch_workers=config.batch_workers,
                state_cache_size=config.state_cache_size,
                reply_senders=reply_senders,
            )
            stack.push_async_callback(orchestrator.close)
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
            consumer = ResultConsumer(orchestrator)
            await startup.attempt(
                "broker",
                lambda: _consume_results(resources.broker, consumer),
                retry_any_error=False,
            )
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
            bounds = Bounds(
                pool,
                [
                    rejected_replies(
                        timedelta(days=config.rejected_replies_retention_days),
                        config.rejected_replies_max_rows,
                    )
                ],
            )
            background.append(asyncio.create_task(bounds.run(config.bounds_poll_seconds)))
            if config.execution_retention_days > 0:
                retention = timedelta(days=config.execution_retention_days)
                background.append(
                    asyncio.create_task(
                        Retention(pool).run(retention, config.retention_poll_seconds)
                    )
                )
            stack.push_async_callback(_cancel, background)
            app.state.resources = resources
            yield

    def lifespan(app: FastAPI) -> contextlib.AbstractAsyncContextManager[None]:
        return connecting_in_background(app, "orchestrator", connect)

    api_token = require_token(config.api_token_value())
    sessions = ConsoleSessions.for_token(api_token)
    app = create_service_app(
        "stepwise orchestrator",
        lifespan,
        api_token=api_token,
        public=(AWS_API_ROUTE, *CONSOLE_ROUTES),
        sessions=sessions,
        max_body_bytes=config.max_body_bytes,
        own_format_paths=["/"],  # AWS's protocol (orchestrator.aws_api.protocol)
    )
    app.include_router(router)
    app.include_router(aws_router)
    app.include_router(views_router)
    install_console(app, api_token, sessions)
    return app


async def _register_workflows(registry: Registry, resources: Resources, directory: Path) -> None:
    async with resources.sessions() as session, session.begin():
        await registry.register_directory(session, directory)


async def _consume_results(broker: Broker, consumer: ResultConsumer) -> None:
    # The services reply through an exchange of the queue's name (servicekit.amqp): their
    # users may write to it, not to the default exchange. Commands name it (reply-exchange).
    await broker.declare(RESULT_QUEUE)
    await broker.route_exchange(RESULT_QUEUE)
    await broker.consume(RESULT_QUEUE, consumer.on_message)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
