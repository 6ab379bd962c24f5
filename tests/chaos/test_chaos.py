"""The chaos run, small: 60 orders while an orchestrator, then a service, is killed, a second
orchestrator runs alongside, RabbitMQ and Postgres restart, and services restart while one of them
is down; on a private Postgres and RabbitMQ node the run starts. `make chaos` runs the long one."""

from __future__ import annotations

import os
import random

import pytest

from tests.chaos.run import Settings, run

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(600)
def test_every_order_ends_consistent_through_crashes_and_restarts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1_000_000)))
    settings = Settings(
        orders=60,
        rate=10.0,
        seed=seed,
    )
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    report = run(settings, tmp_path_factory.mktemp("chaos-logs"), say)

    assert report.ok, "\n".join(
        [f"chaos violations (CHAOS_SEED={seed}):", *report.violations, "", *lines]
    )
