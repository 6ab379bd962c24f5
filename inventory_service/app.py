"""inventory's process: the HTTP app whose lifespan also runs the command consumer."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from inventory_service.api import router
from inventory_service.handlers import dispatch
from inventory_service.settings import InventorySettings
from inventory_service.tables import SCHEMA, inbox
from servicekit.worker_app import WorkerService, create_worker_app

COMMAND_QUEUE = "inventory.commands"

SERVICE = WorkerService(
    name="inventory",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    command_queue=COMMAND_QUEUE,
    inbox=inbox,
    dispatch=dispatch,
    router=router,
)


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    return create_worker_app(SERVICE, lambda: settings or InventorySettings())
