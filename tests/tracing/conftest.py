"""A stack of its own with tracing on, exporting to an OTLP receiver in the test process; the
main e2e stack (tests/e2e) stays untraced."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devtools.otlp_receiver import OtlpReceiver
from devtools.processes import Stack
from tests.stacks import running_stack


@pytest.fixture(scope="package")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver() as running:
        yield running


@pytest.fixture(scope="package")
def traced_stack(
    database_url: str,
    amqp_url: str,
    receiver: OtlpReceiver,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("traced-service-logs")
    yield from running_stack(
        database_url, amqp_url, log_dir, LOG_FORMAT="json", **receiver.environment()
    )


@pytest.fixture(scope="package")
def web(traced_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=traced_stack.url("web"), timeout=10) as client:
        yield client
