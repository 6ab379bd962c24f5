"""shipping's process: the HTTP app whose lifespan also runs the command consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from servicekit.http import create_service_app
from servicekit.inbox import CommandWorker
from servicekit.resources import Resources
from shipping_service.api import router
from shipping_service.handlers import dispatch
from shipping_service.settings import ShippingSettings
from shipping_service.tables import SCHEMA, inbox

COMMAND_QUEUE = "shipping.commands"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: ShippingSettings | None = None) -> FastAPI:
    """The shipping app; it connects and starts consuming only when its lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or ShippingSettings()
        resources = await Resources.open(config, migrations_dir=MIGRATIONS_DIR, schema=SCHEMA)
        try:
            worker = CommandWorker(resources.broker, resources.sessions, inbox, dispatch)
            await resources.broker.consume(COMMAND_QUEUE, worker.on_message)
            app.state.resources = resources
            yield
        finally:
            await resources.close()

    app = create_service_app("shipping", lifespan)
    app.include_router(router)
    return app
