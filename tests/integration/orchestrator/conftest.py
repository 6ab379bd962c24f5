"""The orchestrator app in-process against this run's Postgres and RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from aio_pika.abc import AbstractIncomingMessage
from fastapi import FastAPI

from devtools.processes import TEST_TASK_QUEUES
from devtools.queue_reader import QueueReader
from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from servicekit.amqp import Broker
from servicekit.messages import RESULT_QUEUE
from servicekit.pg import open_pool
from servicekit.startup import wait_ready
from tests.api_token import API_TOKEN, AUTH_HEADERS


@dataclass
class Harness:
    app: FastAPI
    api: httpx.AsyncClient
    broker: Broker
    amqp_url: str

    async def register(self, definition: dict[str, Any]) -> str:
        name = f"sm-{uuid.uuid4().hex[:8]}"
        response = await self.api.put(f"/state-machines/{name}", json={"definition": definition})
        assert response.status_code == 201, response.text
        return name

    async def start(self, machine: str, input: Any) -> str:
        response = await self.api.post(
            "/executions",
            json={"stateMachineName": machine, "name": uuid.uuid4().hex, "input": input},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["executionId"])

    async def next_command(self, queue: str, timeout: float = 10) -> AbstractIncomingMessage:
        # A connection of its own: RabbitMQ may close it over a quorum queue that is starting.
        async with QueueReader(self.amqp_url, queue) as reader:
            return await reader.next(timeout)

    async def reply(self, body: Any) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        await self.broker.publish(RESULT_QUEUE, raw)

    async def execution(self, execution_id: str) -> dict[str, Any]:
        response = await self.api.get(f"/executions/{execution_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def wait_status(self, execution_id: str, status: str, timeout: float = 15) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            execution = await self.execution(execution_id)
            if execution["status"] == status:
                return execution
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{execution_id} is {execution['status']}, not {status}")
            await asyncio.sleep(0.05)

    async def history_types(self, execution_id: str) -> list[str]:
        response = await self.api.get(f"/executions/{execution_id}/history")
        return [event["type"] for event in response.json()["events"]]


@pytest.fixture(scope="package")
async def harness(database_url: str, amqp_url: str) -> AsyncIterator[Harness]:
    settings = OrchestratorSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        api_token=API_TOKEN,
        timer_poll_seconds=0.05,
        outbox_poll_seconds=0.2,
        outbox_grace_seconds=0.5,
        task_queues=TEST_TASK_QUEUES,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await wait_ready(app)
        transport = httpx.ASGITransport(app=app)
        broker = Broker(amqp_url)
        await broker.connect()
        async with httpx.AsyncClient(
            transport=transport, base_url="http://orchestrator", headers=AUTH_HEADERS
        ) as api:
            yield Harness(app, api, broker, amqp_url)
        await broker.close()


@pytest.fixture
async def pool(database_url: str, harness: Harness) -> AsyncIterator[asyncpg.Pool]:
    """A pool of the test's own on the orchestrator's database (`harness`: migrated)."""
    pool = await open_pool(database_url, size=2)
    try:
        yield pool
    finally:
        await pool.close()
