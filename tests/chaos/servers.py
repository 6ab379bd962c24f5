"""Restarting RabbitMQ and Postgres under a running system, and looking into the run's queues.

The servers may be shared with other test runs on the same machine (`TEST_POSTGRES_URL`,
`TEST_AMQP_URL`). A real restart would break those runs, so by default (`CHAOS_SERVER_RESTARTS=
auto`) a server is restarted only when no other test run is found on this machine; otherwise only
this run's connections are dropped, which is what a restart does to this run's processes, minus
the seconds the server is away. `always` restarts regardless, `never` only drops connections.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from devtools.infra import Servers

RESTART_POLICIES = ("auto", "always", "never")


def other_test_runs() -> list[str]:
    """Command lines of test runs (and `make dev` stacks, run by honcho) on this machine that
    are not this one or its ancestors: restarting the servers under them would break them."""
    found = subprocess.run(
        ["pgrep", "-af", r"pytest|tests\.chaos|honcho"],
        capture_output=True,
        text=True,
        check=False,
    )
    mine = _ancestors()
    return [
        line
        for line in found.stdout.splitlines()
        if line.split(" ", 1)[0].isdigit() and int(line.split(" ", 1)[0]) not in mine
    ]


def _ancestors() -> set[int]:
    pids: set[int] = set()
    pid = os.getpid()
    while pid > 1 and pid not in pids:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # field 4: the parent's pid
    return pids


def postgres_control() -> tuple[list[str], list[str]] | None:
    """How to stop and start Postgres: `CHAOS_POSTGRES_STOP` and `CHAOS_POSTGRES_START` (shell
    commands), else pg_ctlcluster for the machine's one cluster, else None (a Postgres in a
    container is not restarted, only its connections are terminated)."""
    stop, start = os.environ.get("CHAOS_POSTGRES_STOP"), os.environ.get("CHAOS_POSTGRES_START")
    if stop and start:
        return ["sh", "-c", stop], ["sh", "-c", start]
    clusters = Path("/etc/postgresql")
    versions = sorted(p.name for p in clusters.iterdir()) if clusters.is_dir() else []
    if shutil.which("pg_ctlcluster") and len(versions) == 1:
        ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main"]
        return [*ctl, "stop", "--mode", "fast"], [*ctl, "start"]
    return None


@dataclass
class ServerControl:
    servers: Servers
    database_url: str  # this run's database
    amqp_url: str  # this run's vhost
    policy: str = "auto"

    @property
    def vhost(self) -> str:
        return unquote(urlsplit(self.amqp_url).path.lstrip("/")) or "/"

    @property
    def rabbitmqctl(self) -> list[str]:
        if self.servers.rabbitmqctl is None:
            raise RuntimeError("the chaos run needs rabbitmqctl")
        return self.servers.rabbitmqctl

    def _why_not_restart(self, command: list[str] | None) -> str | None:
        if self.policy == "never":
            return "CHAOS_SERVER_RESTARTS=never"
        if command is None:
            return "no way to restart this server"
        if self.policy == "auto" and (others := other_test_runs()):
            return f"{len(others)} other test process(es) use the server"
        return None

    def restart_rabbitmq(self, down_seconds: float) -> tuple[bool, str]:
        """Stop the RabbitMQ application for `down_seconds`, then start it; or drop this run's
        connections when a restart is not allowed. (restarted?, what was done)."""
        ctl = self.rabbitmqctl
        reason = self._why_not_restart(ctl)
        if reason is not None:
            self._ctl("close_all_connections", "--vhost", self.vhost, "chaos")
            return False, f"connections dropped, not restarted: {reason}"
        started = time.monotonic()
        self._ctl("stop_app")
        try:
            time.sleep(down_seconds)
        finally:
            self._ctl("start_app")
            self._ctl("await_startup")
        return True, f"down {time.monotonic() - started:.1f}s"

    def restart_postgres(self, down_seconds: float) -> tuple[bool, str]:
        """Stop Postgres for `down_seconds`, then start it; or terminate this run's connections
        when a restart is not allowed. (restarted?, what was done)."""
        control = postgres_control()
        reason = self._why_not_restart(None if control is None else control[0])
        if reason is not None or control is None:
            asyncio.run(self._terminate_backends())
            return False, f"connections terminated, not restarted: {reason}"
        stop, start = control
        started = time.monotonic()
        subprocess.run(stop, check=True, capture_output=True, timeout=120)
        try:
            time.sleep(down_seconds)
        finally:
            subprocess.run(start, check=True, capture_output=True, timeout=120)
        return True, f"down {time.monotonic() - started:.1f}s"

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
        listed = self._ctl(
            "list_queues", "-p", self.vhost, "--no-table-headers", "--quiet",
            "name", "messages", "consumers",
        )  # fmt: skip
        found = {}
        for line in listed.splitlines():
            name, messages, consumers = line.split("\t")
            found[name] = (int(messages), int(consumers))
        return found

    def _ctl(self, *args: str) -> str:
        done = subprocess.run(
            [*self.rabbitmqctl, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout
