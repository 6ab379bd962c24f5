"""inventory's process: the HTTP app whose lifespan also runs the command consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from inventory_service.api import router
from inventory_service.handlers import dispatch
from inventory_service.settings import InventorySettings
from inventory_service.tables import SCHEMA, inbox
from servicekit.http import create_service_app
from servicekit.inbox import CommandWorker
from servicekit.resources import Resources

COMMAND_QUEUE = "inventory.commands"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    """The inventory app; it connects and starts consuming only when its lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or InventorySettings()
        resources = await Resources.open(config, migrations_dir=MIGRATIONS_DIR, schema=SCHEMA)
        try:
            worker = CommandWorker(resources.broker, resources.sessions, inbox, dispatch)
            await resources.broker.consume(COMMAND_QUEUE, worker.on_message)
            app.state.resources = resources
            yield
        finally:
            await resources.close()

    app = create_service_app("inventory", lifespan)
    app.include_router(router)
    return app
