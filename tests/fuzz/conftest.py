"""The fuzzed stack: the five services as processes on this package's own database and vhost
(tests/conftest.py), so what fuzzing leaves behind (state machines, executions, orders) is
seen by no other test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.processes import Stack


@pytest.fixture(scope="package")
def stack(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    running = Stack.create(database_url, amqp_url, tmp_path_factory.mktemp("fuzz-logs"))
    try:
        running.start()
    except RuntimeError as exc:
        running.stop()
        pytest.fail(str(exc), pytrace=False)
    yield running
    running.stop()
