"""`make ha` (`python -m devtools.ha_cluster`): the five services on clustered RabbitMQ and
replicated Postgres, all on this machine.

A three-node RabbitMQ cluster (devtools.ha_rabbitmq) and a pg_auto_failover monitor with a
primary and a synchronous standby (devtools.ha_postgres), each node with its own name, ports and
data directory under `.ha/` (or `--directory`); then the services, given every node: AMQP_URL
`amqp://guest:guest@h:p1,h:p2,h:p3/` and DATABASE_URL
`postgresql://postgres@h:p1,h:p2/stepwise?target_session_attrs=read-write`. Prints the URLs and
how to break a node; Ctrl-C stops everything and removes the data.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools.ha_postgres import PostgresCluster
from devtools.ha_rabbitmq import RabbitCluster
from devtools.infra import Servers


@dataclass
class HaCluster:
    rabbitmq: RabbitCluster
    postgres: PostgresCluster

    @property
    def servers(self) -> Servers:
        """As devtools.infra describes servers, so that fresh databases and vhosts work; the
        rabbitmqctl is the first node's (use `rabbitmq.ctl` once nodes may be down)."""
        return Servers(
            self.postgres.url("postgres"), self.rabbitmq.url(), self.rabbitmq.nodes[0].rabbitmqctl
        )


@contextlib.contextmanager
def ha_cluster(
    directory: Path | None = None, say: Callable[[str], object] = print
) -> Iterator[HaCluster]:
    """Start the RabbitMQ cluster and the Postgres pair under `directory` (a new one under /tmp
    by default: the servers' users must reach it); stop them and remove it afterwards."""
    directory = directory or Path(tempfile.mkdtemp(prefix="stepwise-ha-"))
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    postgres = PostgresCluster.create(directory / "postgres")
    rabbitmq = RabbitCluster.create(directory / "rabbitmq")
    try:
        say("starting a 3-node RabbitMQ cluster")
        rabbitmq.start()
        say("starting pg_auto_failover: a monitor, a primary and a synchronous standby")
        postgres.start()
        yield HaCluster(rabbitmq, postgres)
    finally:
        rabbitmq.stop()
        postgres.stop()
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    from devtools.accounts import service_accounts
    from devtools.processes import Stack

    parser = argparse.ArgumentParser(prog="python -m devtools.ha_cluster", description=__doc__)
    parser.add_argument("--directory", type=Path, default=Path(".ha").absolute())
    args = parser.parse_args(argv)
    if args.directory.exists():
        shutil.rmtree(args.directory)  # what a killed run left behind
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    # Ctrl-C, even where SIGINT came ignored (a background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with contextlib.ExitStack() as exits:
            cluster = exits.enter_context(ha_cluster(args.directory, say=print))
            logs = args.directory / "logs"
            logs.mkdir(exist_ok=True)
            database_url, amqp_url = cluster.postgres.url(), cluster.rabbitmq.url()
            # Each service its own Postgres role and RabbitMQ user, as deployed.
            own = exits.enter_context(service_accounts(cluster.servers, database_url, amqp_url))
            stack = Stack.create(database_url, amqp_url, logs, **own)
            print("starting the five services")
            try:
                stack.start()
                _describe(cluster, stack, logs)
                stopping.wait()
            except KeyboardInterrupt:
                pass
            finally:
                print("stopping the services, RabbitMQ and Postgres")
                stack.stop()
    except RuntimeError as exc:
        print(f"make ha: {exc}", file=sys.stderr)
        return 1
    return 0


def _describe(cluster: HaCluster, stack: object, logs: Path) -> None:
    from devtools.processes import Stack

    assert isinstance(stack, Stack)
    rabbit, postgres = cluster.rabbitmq, cluster.postgres
    print(
        "\n".join(
            [
                "",
                f"AMQP_URL={rabbit.url()}",
                f"DATABASE_URL={postgres.url()}",
                f"API_TOKEN={stack.api_token}",
                *(f"  {name}: {service.url}" for name, service in stack.services.items()),
                f"RabbitMQ nodes: {', '.join(node.node for node in rabbit.nodes)}",
                f"pg_auto_failover monitor: {postgres.monitor_url}",
                f"  (PGHOST={postgres.directory} pg_autoctl show state --pgdata "
                f"{postgres.monitor.pgdata}, as the postgres user)",
                f"service logs: {logs}; node logs under {postgres.directory.parent}",
                "Ctrl-C stops everything.",
            ]
        ),
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
