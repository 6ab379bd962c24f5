"""payment's process: the HTTP app whose lifespan also runs the command consumer."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from payment_service.api import router
from payment_service.handlers import dispatch
from payment_service.settings import PaymentSettings
from payment_service.tables import SCHEMA, inbox
from servicekit.worker_app import WorkerService, create_worker_app

COMMAND_QUEUE = "payment.commands"

SERVICE = WorkerService(
    name="payment",
    schema=SCHEMA,
    migrations_dir=Path(__file__).parent / "migrations",
    command_queue=COMMAND_QUEUE,
    inbox=inbox,
    dispatch=dispatch,
    router=router,
)


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    return create_worker_app(SERVICE, lambda: settings or PaymentSettings())
