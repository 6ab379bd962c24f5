"""Where a benchmark run gets Postgres and RabbitMQ: the machine's own servers (or
TEST_POSTGRES_URL / TEST_AMQP_URL), with a fresh database and vhost per phase, dropped at the end
(devtools.infra, as the tests do)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

from devtools import infra

LOCAL_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
# The API_TOKEN of the processes a run starts (servicekit.auth), and what its clients send.
API_TOKEN = secrets.token_urlsafe(32)
AUTH_HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}


@contextlib.contextmanager
def servers() -> Iterator[infra.Servers]:
    # Like `make test`: the machine's own servers unless told otherwise.
    os.environ.setdefault("TEST_POSTGRES_URL", LOCAL_POSTGRES_URL)
    os.environ.setdefault("TEST_AMQP_URL", LOCAL_AMQP_URL)
    with infra.servers() as found:
        yield found


@contextlib.contextmanager
def fresh(found: infra.Servers) -> Iterator[tuple[str, str]]:
    """(database_url, amqp_url) of a new database and vhost (named bench_... / bench-...), both
    removed on the way out."""
    with (
        infra.fresh_database(found.postgres_admin_url, prefix="bench") as database_url,
        infra.fresh_vhost(found, prefix="bench") as amqp_url,
    ):
        yield database_url, amqp_url
