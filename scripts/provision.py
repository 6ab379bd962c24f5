"""Give every service its own credentials, from the administrator's DATABASE_URL and AMQP_URL
(`make dev`, compose's one-shot `provision` service, the tests' Stack). Safe to run again: roles
and users are created when missing and their password and grants set every time.

    python -m scripts.provision [--env-file .env] [--prefix stepwise]

Each service (orchestrator, payment, inventory, shipping) gets a Postgres role that owns its
schema and a RabbitMQ user limited to its queues (scripts/service_accounts.py), both named
`<prefix>_<service>`, with the password `<SERVICE>_PASSWORD` from the environment or the env
file, or a new random one. With `--env-file` the passwords are kept there, with each service's
URLs (`<SERVICE>_DATABASE_URL`, `<SERVICE>_AMQP_URL`, which the services read before
DATABASE_URL and AMQP_URL) and TASK_QUEUE_OWNERS. RabbitMQ is administered through its
management API when RABBITMQ_MANAGEMENT_URL is set, else through `rabbitmqctl` (RABBITMQCTL
says how to run it, e.g. `sudo rabbitmqctl`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import asyncpg

from scripts import env_file, postgres_roles
from scripts.rabbitmq_users import ManagementApi, RabbitAdmin, Rabbitmqctl, UserGrant, definitions
from scripts.service_accounts import (
    ACCOUNTS,
    ANY_TASK_QUEUE,
    RESULT_QUEUE,
    Account,
    accounts,
    role_name,
)
from servicekit import amqp_cluster
from servicekit.amqp import Broker, dead_letter_queue
from servicekit.pg import asyncpg_dsn

# How long a new RabbitMQ user may take to appear (definitions are imported asynchronously).
LOGIN_WAIT_SECONDS = 20.0


@dataclass(frozen=True)
class Credentials:
    user: str  # the Postgres role and the RabbitMQ user
    database_url: str
    amqp_url: str


def password_variable(account: Account) -> str:
    return f"{account.variable_prefix}_PASSWORD"


def with_user(url: str, user: str, password: str) -> str:
    """`url` (any scheme; one host or several, `h1:5432,h2:5433`) logging in as `user`."""
    # Split by hand: urllib reads a list of hosts as a bad port.
    scheme, _, rest = url.partition("://")
    authority, slash, after = rest.partition("/")
    hosts = authority.rpartition("@")[2] or "127.0.0.1"
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"{scheme}://{credentials}@{hosts}{slash}{after}"


def vhost_of(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


async def provision(
    database_url: str,
    amqp_url: str,
    rabbit: RabbitAdmin,
    prefix: str,
    passwords: Mapping[str, str],
    task_queues: str = ANY_TASK_QUEUE,
) -> dict[str, Credentials]:
    """Roles, users and queues for every service; their credentials, by service name.
    `passwords` by service name; a service without one gets a new random password."""
    chosen = {a.service: passwords.get(a.service) or secrets.token_hex(24) for a in ACCOUNTS}
    credentials = {
        account.service: Credentials(
            role_name(prefix, account),
            with_user(database_url, role_name(prefix, account), chosen[account.service]),
            with_user(amqp_url, role_name(prefix, account), chosen[account.service]),
        )
        for account in ACCOUNTS
    }
    await _postgres_roles(database_url, credentials)
    await _declare_queues(amqp_url)
    grants = [_grant(account, credentials, chosen) for account in accounts(task_queues)]
    rabbit.apply(definitions(vhost_of(amqp_url), grants))
    for own in credentials.values():
        await _wait_for_login(own.amqp_url)
    return credentials


async def deprovision(database_url: str, rabbit: RabbitAdmin, prefix: str) -> None:
    """Drop the roles (and what they own in this database) and delete the users."""
    rabbit.delete_users([role_name(prefix, account) for account in ACCOUNTS])
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for account in ACCOUNTS:
            await postgres_roles.drop_role(connection, role_name(prefix, account))
    finally:
        await connection.close()


def environment(credentials: Mapping[str, Credentials]) -> dict[str, str]:
    """The variables that hand each service its own credentials, and the orchestrator the
    owners of the queues whose replies it checks (orchestrator.reply_senders)."""
    variables: dict[str, str] = {}
    for account in ACCOUNTS:
        own = credentials[account.service]
        variables[f"{account.variable_prefix}_DATABASE_URL"] = own.database_url
        variables[f"{account.variable_prefix}_AMQP_URL"] = own.amqp_url
    variables["TASK_QUEUE_OWNERS"] = ",".join(
        f"{account.queue}={credentials[account.service].user}"
        for account in ACCOUNTS
        if account.queue != RESULT_QUEUE
    )
    return variables


def _grant(
    account: Account, credentials: Mapping[str, Credentials], passwords: Mapping[str, str]
) -> UserGrant:
    return UserGrant(
        credentials[account.service].user,
        passwords[account.service],
        account.configure,
        account.write,
        account.read,
    )


async def _postgres_roles(database_url: str, credentials: Mapping[str, Credentials]) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for account in ACCOUNTS:
            own = credentials[account.service]
            password = unquote(urlsplit(own.database_url).password or "")
            await postgres_roles.ensure_role(connection, own.user, password, account.schema)
    finally:
        await connection.close()


async def _declare_queues(amqp_url: str) -> None:
    """The queues the services consume, declared by the administrator: RabbitMQ lets a user
    create a queue with a dead-letter exchange only with write on that exchange (the default
    one here), which a service's user does not have. Declaring an existing queue needs no more
    than its own configure permission. Also the exchanges the services publish to."""
    broker = Broker(amqp_url)
    await broker.connect()
    try:
        for account in ACCOUNTS:
            await broker.declare(account.queue)
            await broker.route_exchange(dead_letter_queue(account.queue))
        await broker.route_exchange(RESULT_QUEUE)
    finally:
        await broker.close()


async def _wait_for_login(amqp_url: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LOGIN_WAIT_SECONDS
    while True:
        try:
            connection = await amqp_cluster.connect(amqp_url)
        except Exception:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.2)
            continue
        await connection.close()
        return


def rabbit_admin(amqp_url: str) -> RabbitAdmin:
    management = os.environ.get("RABBITMQ_MANAGEMENT_URL", "")
    if management:
        parts = urlsplit(amqp_url)
        return ManagementApi(
            management, unquote(parts.username or "guest"), unquote(parts.password or "guest")
        )
    # How to run rabbitmqctl: `sudo rabbitmqctl`, `docker exec -i ID rabbitmqctl` (stdin: -i).
    command = shlex.split(os.environ.get("RABBITMQCTL", "rabbitmqctl"))
    if shutil.which(command[0]) is None:
        sys.exit(
            "provision: set RABBITMQ_MANAGEMENT_URL (the management plugin's http://host:15672) "
            "or RABBITMQCTL, or put rabbitmqctl on PATH, to create the services' RabbitMQ users"
        )
    return Rabbitmqctl(command)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env-file", type=Path, help="keep passwords and URLs here (make dev)")
    parser.add_argument("--prefix", default="stepwise", help="roles and users: <prefix>_<service>")
    parser.add_argument(
        "--task-queues",
        default=ANY_TASK_QUEUE,
        help="regex of the queues the orchestrator may declare and publish to (default: any)",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/stepwise")
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    kept = env_file.read(args.env_file) if args.env_file else {}
    passwords = {
        account.service: os.environ.get(password_variable(account))
        or kept.get(password_variable(account), "")
        for account in ACCOUNTS
    }
    credentials = asyncio.run(
        provision(
            database_url,
            amqp_url,
            rabbit_admin(amqp_url),
            args.prefix,
            passwords,
            args.task_queues,
        )
    )
    if args.env_file:
        updates = environment(credentials)
        for account in ACCOUNTS:
            own = credentials[account.service]
            updates[password_variable(account)] = unquote(urlsplit(own.amqp_url).password or "")
        env_file.update(args.env_file, updates)
    for account in ACCOUNTS:
        print(f"provision: {account.service} connects as {credentials[account.service].user}")


if __name__ == "__main__":
    main()
