"""shipping's process: the HTTP app whose lifespan also runs the command consumer."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.worker_app import WorkerService, create_worker_app
from shipping_service.api import router
from shipping_service.handlers import dispatch
from shipping_service.settings import ShippingSettings
from shipping_service.tables import SCHEMA, inbox

COMMAND_QUEUE = "shipping.commands"

SERVICE = WorkerService(
    name="shipping",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    command_queue=COMMAND_QUEUE,
    inbox=inbox,
    dispatch=dispatch,
    router=router,
)


def create_app(settings: ShippingSettings | None = None) -> FastAPI:
    return create_worker_app(SERVICE, lambda: settings or ShippingSettings())
