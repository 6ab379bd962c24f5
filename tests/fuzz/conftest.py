"""The fuzzed stack: the five services as processes on a database and vhost of this package's
own, so what fuzzing leaves behind (state machines, executions, stock restocked by a million)
is seen by no other test.

(tests/conftest.py's `database_url` and `amqp_url` are package-scoped where they are defined,
the `tests` package, so they are shared by the whole run: these override them here.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools import infra
from devtools.processes import Stack
from tests.api_token import API_TOKEN
from tests.stacks import running_stack


@pytest.fixture(scope="package")
def database_url(servers: infra.Servers) -> Iterator[str]:
    with infra.fresh_database(servers.postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="package")
def amqp_url(servers: infra.Servers) -> Iterator[str]:
    with infra.fresh_vhost(servers) as url:
        yield url


@pytest.fixture(scope="package")
def stack(
    database_url: str, amqp_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    log_dir = tmp_path_factory.mktemp("fuzz-logs")
    yield from running_stack(database_url, amqp_url, log_dir, API_TOKEN=API_TOKEN)
