"""Stopping and starting RabbitMQ and Postgres under a running system, and looking into the run's
queues.

A chaos run restarts only servers it started itself (devtools.private_servers: its own Postgres
and RabbitMQ node, the default). On shared servers (`--servers shared`: the machine's, named by
`TEST_POSTGRES_URL` / `TEST_AMQP_URL`) it never stops or restarts them: it drops this run's
connections instead, which is what a restart does to this run's processes, minus the seconds the
server is away, and it skips the faults that need a server to stay down.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import asyncpg

from devtools.infra import Servers
from devtools.private_servers import PrivateServers
from tests.chaos.ha_faults import HaFaults

SERVER_CHOICES = ("private", "shared", "ha")


@dataclass
class ServerControl:
    servers: Servers
    database_url: str  # this run's database
    amqp_url: str  # this run's vhost
    private: PrivateServers | None = None  # servers this run started and may stop
    ha: HaFaults | None = None  # the cluster of `make chaos-ha`, whose nodes the run kills

    @property
    def can_stop_servers(self) -> bool:
        return self.private is not None

    @property
    def vhost(self) -> str:
        return unquote(urlsplit(self.amqp_url).path.lstrip("/")) or "/"

    @property
    def rabbitmqctl(self) -> list[str]:
        if self.ha is not None:  # aimed at a node that runs: the run kills them in turn
            return self.ha.cluster.rabbitmq.live().rabbitmqctl
        if self.servers.rabbitmqctl is None:
            raise RuntimeError("the chaos run needs rabbitmqctl")
        return self.servers.rabbitmqctl

    def restart_rabbitmq(self, down_seconds: float) -> tuple[bool, str]:
        """Stop the private RabbitMQ node for `down_seconds`, then start it; on a shared one,
        drop this run's connections. (restarted?, what was done)."""
        if self.private is None:
            self.drop_rabbitmq_connections()
            return False, "connections dropped: the server is shared, never restarted"
        started = time.monotonic()
        self.stop_rabbitmq()
        try:
            time.sleep(down_seconds)
        finally:
            self.start_rabbitmq()
        return True, f"down {time.monotonic() - started:.1f}s"

    def restart_postgres(self, down_seconds: float) -> tuple[bool, str]:
        """Stop the private Postgres for `down_seconds`, then start it; on a shared one,
        terminate this run's connections. (restarted?, what was done)."""
        if self.private is None:
            self.drop_postgres_connections()
            return False, "connections terminated: the server is shared, never restarted"
        started = time.monotonic()
        self.stop_postgres()
        try:
            time.sleep(down_seconds)
        finally:
            self.start_postgres()
        return True, f"down {time.monotonic() - started:.1f}s"

    def drop_rabbitmq_connections(self) -> None:
        """Close every connection to this run's vhost (the server stays up)."""
        self._ctl("close_all_connections", "--vhost", self.vhost, "chaos")

    def drop_postgres_connections(self) -> None:
        """Terminate every session on this run's database (the server stays up)."""
        asyncio.run(self._terminate_backends())

    def stop_rabbitmq(self) -> None:
        self._private().rabbitmq.stop()

    def start_rabbitmq(self) -> None:
        self._private().rabbitmq.start()

    def stop_postgres(self) -> None:
        self._private().postgres.stop("fast")

    def start_postgres(self) -> None:
        self._private().postgres.start()

    def _private(self) -> PrivateServers:
        if self.private is None:
            raise RuntimeError("only servers this run started may be stopped")
        return self.private

    async def _terminate_backends(self) -> None:
        database = urlsplit(self.database_url).path.lstrip("/")
        connection = await asyncpg.connect(self.servers.postgres_admin_url)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
        finally:
            await connection.close()

    def queues(self) -> dict[str, tuple[int, int]]:
        """Every queue of this run's vhost: name -> (messages, consumers)."""
        return self._list_queues("messages", "consumers")

    def queue_depths(self) -> dict[str, tuple[int, int]]:
        """Every queue of this run's vhost: name -> (ready, unacknowledged) messages."""
        return self._list_queues("messages_ready", "messages_unacknowledged")

    def _list_queues(self, first: str, second: str) -> dict[str, tuple[int, int]]:
        """name -> (first, second), two of rabbitmqctl's numeric queue columns."""
        listed = self._ctl(
            "list_queues", "-p", self.vhost, "--no-table-headers", "--quiet", "name", first, second
        )
        found = {}
        for line in listed.splitlines():
            name, a, b = line.split("\t")
            found[name] = (int(a), int(b))
        return found

    def connections(self) -> tuple[int, int]:
        """(connections, channels) open on this run's vhost."""
        listed = self._ctl("list_connections", "--no-table-headers", "--quiet", "vhost", "channels")
        connections = channels = 0
        for line in listed.splitlines():
            vhost, count = line.split("\t")
            if vhost == self.vhost:
                connections += 1
                channels += int(count)
        return connections, channels

    def _ctl(self, *args: str) -> str:
        done = subprocess.run(
            [*self.rabbitmqctl, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout
