"""`make dev`: the five services as local processes (devtools.supervise), against DATABASE_URL
and AMQP_URL; or, when nothing answers at one of them, against a Postgres cluster or a RabbitMQ
node of its own, started from Debian's binaries with their data under `.dev/` (kept from one run
to the next) on free ports, and stopped when `make dev` stops.

Before the services start: the database is created if missing, `.env` gets an API_TOKEN and
an AWS access key when it has none, and each service its own Postgres role and RabbitMQ user
(scripts/provision.py, credentials kept in `.env`). The services then run without the
administrator's DATABASE_URL and AMQP_URL in their environment: they read their own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from devtools.private_servers import PrivatePostgres, PrivateRabbitMQ
from devtools.supervise import read_procfile, supervise
from scripts.ensure_api_token import ensure_api_token
from scripts.ensure_aws_keys import ensure_aws_keys
from scripts.ensure_database import ensure_database

DEV_DIRECTORY = Path(os.environ.get("DEV_DATA_DIR", ".dev"))
PROBE_SECONDS = 1.0
ENV_FILE = Path(".env")


def answers(url: str, default_port: int) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), PROBE_SECONDS):
            return True
    except OSError:
        return False


def say(text: str) -> None:
    print(f"make dev: {text}", flush=True)


@contextlib.contextmanager
def own_postgres(database: str) -> Iterator[str]:
    server = PrivatePostgres.reuse_or_create(_directory() / "postgres")
    server.start()
    say(f"nothing answers at DATABASE_URL: started Postgres on port {server.port} "
        f"(data in {server.data})")  # fmt: skip
    try:
        yield server.admin_url.rsplit("/", 1)[0] + f"/{database}"
    finally:
        # Ctrl-C in a terminal reaches the whole process group: it may have stopped already.
        if server.running:
            with contextlib.suppress(RuntimeError):
                server.stop()
        say("stopped its Postgres")


@contextlib.contextmanager
def own_rabbitmq() -> Iterator[tuple[str, list[str]]]:
    """The node's admin URL and how to run rabbitmqctl on it (for provisioning)."""
    node = PrivateRabbitMQ.reuse_or_create(_directory() / "rabbitmq")
    node.start()
    say(f"nothing answers at AMQP_URL: started RabbitMQ node {node.node} on port {node.port}")
    try:
        yield node.admin_url, node.rabbitmqctl
    finally:
        with contextlib.suppress(RuntimeError):
            node.stop()
        say("stopped its RabbitMQ node")


def _directory() -> Path:
    DEV_DIRECTORY.mkdir(exist_ok=True)
    DEV_DIRECTORY.chmod(0o755)  # the servers run as their own users and must reach their data
    return DEV_DIRECTORY.resolve()


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/stepwise")
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with contextlib.ExitStack() as servers:
        try:
            if not answers(database_url, 5432):
                name = urlsplit(database_url).path.lstrip("/") or "stepwise"
                database_url = servers.enter_context(own_postgres(name))
            rabbitmqctl = os.environ.get("RABBITMQCTL")
            if not answers(amqp_url, 5672):
                amqp_url, command = servers.enter_context(own_rabbitmq())
                rabbitmqctl = shlex.join(command)
        except RuntimeError as exc:  # a missing package says which one to install
            print(f"make dev: {exc}", file=sys.stderr)
            return 1
        asyncio.run(ensure_database(database_url))
        ensure_aws_keys(ENV_FILE)
        ensure_api_token(ENV_FILE)
        provision(database_url, amqp_url, rabbitmqctl)
        # The services read their own credentials from .env; the administrator's stay here.
        for variable in ("DATABASE_URL", "AMQP_URL"):
            os.environ.pop(variable, None)
        asyncio.run(supervise(read_procfile(Path("Procfile"))))
    return 0


def provision(database_url: str, amqp_url: str, rabbitmqctl: str | None) -> None:
    """Each service's own role and user (scripts/provision.py), kept in .env."""
    env = {**os.environ, "DATABASE_URL": database_url, "AMQP_URL": amqp_url}
    if rabbitmqctl:
        env["RABBITMQCTL"] = rabbitmqctl
    command = [sys.executable, "-m", "scripts.provision", "--env-file", str(ENV_FILE)]
    subprocess.run(command, env=env, check=True)


if __name__ == "__main__":
    sys.exit(main())
