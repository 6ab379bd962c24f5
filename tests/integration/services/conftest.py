"""Each service runs in-process, once per test run, against the run's database and vhost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import httpx
import pytest

from tests.api_token import API_TOKEN
from tests.integration.services.harness import Orchestrator, new_id, running


@pytest.fixture(scope="package")
async def payment(database_url: str, amqp_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from payment_service.app import create_app
    from payment_service.settings import PaymentSettings

    settings = PaymentSettings(database_url=database_url, amqp_url=amqp_url, api_token=API_TOKEN)
    async with running(create_app(settings)) as client:
        yield client


@pytest.fixture
async def orchestrator(amqp_url: str) -> AsyncIterator[Orchestrator]:
    """A stand-in orchestrator with a reply queue of its own for this test."""
    async with Orchestrator.connect(amqp_url) as connected:
        yield connected


@pytest.fixture(scope="package")
async def inventory(database_url: str, amqp_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from inventory_service.app import create_app
    from inventory_service.settings import InventorySettings

    settings = InventorySettings(database_url=database_url, amqp_url=amqp_url, api_token=API_TOKEN)
    async with running(create_app(settings)) as client:
        yield client


@pytest.fixture
async def stock_item(
    inventory: httpx.AsyncClient, database_url: str
) -> Callable[[int], Awaitable[str]]:
    """Puts a product of the test's own in the catalog with `available` units; returns its sku.

    The seeded catalog is shared by every test; a sku of its own lets a test know its stock.
    """

    async def create(available: int) -> str:
        sku = new_id("SKU-TEST").upper()
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(
                "INSERT INTO inventory.items (sku, name, price_cents, currency, available)"
                " VALUES ($1, $2, 1000, 'USD', $3)",
                sku,
                f"Test item {sku}",
                available,
            )
        finally:
            await connection.close()
        return sku

    return create


@pytest.fixture(scope="package")
async def shipping(database_url: str, amqp_url: str) -> AsyncIterator[httpx.AsyncClient]:
    from shipping_service.app import create_app
    from shipping_service.settings import ShippingSettings

    settings = ShippingSettings(database_url=database_url, amqp_url=amqp_url, api_token=API_TOKEN)
    async with running(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="package")
def services(
    payment: httpx.AsyncClient, inventory: httpx.AsyncClient, shipping: httpx.AsyncClient
) -> dict[str, httpx.AsyncClient]:
    """All three services, up and consuming, by name."""
    return {"payment": payment, "inventory": inventory, "shipping": shipping}
