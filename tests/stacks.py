"""The five services as processes for a test package: started, failing the package with their
log tails when one does not come up, and stopped afterwards (devtools.processes.Stack)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.processes import Stack


def running_stack(
    database_url: str, amqp_url: str, log_dir: Path, **variables: str
) -> Iterator[Stack]:
    """For a fixture to `yield from`; `variables` as Stack.create takes them."""
    running = Stack.create(database_url, amqp_url, log_dir, **variables)
    try:
        try:
            running.start()
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield running
    finally:
        running.stop()
