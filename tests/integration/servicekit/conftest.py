"""What the servicekit integration tests share: a Broker connected to the package's vhost."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from servicekit.amqp import Broker


@pytest.fixture
async def broker(amqp_url: str) -> AsyncIterator[Broker]:
    connected = Broker(amqp_url)
    await connected.connect()
    yield connected
    await connected.close()
