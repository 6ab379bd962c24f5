"""A Postgres primary and a synchronous standby with automatic failover, on one machine.

pg_auto_failover (Debian: postgresql-15-auto-failover, pg-auto-failover-cli): a monitor (a
Postgres of its own that watches the nodes and decides their roles) and two data nodes, each run
by its keeper (`pg_autoctl run`), which starts its Postgres and follows the monitor's orders. The
second node is made a standby of the first by pg_basebackup; the primary commits synchronously
(`synchronous_standby_names = 'ANY 1 (...)'`) while its standby is up. When the primary's
machine dies the monitor promotes the standby (after 4 s without news of the primary, then 10 s
in which a live old primary cut off from it would have demoted itself: see FAILOVER_SETTINGS);
started again, the old primary's keeper rewinds it (after our crash recovery: see
Keeper._finish_crash_recovery) and it rejoins as the standby.

Every directory, port and the keepers' own configuration (XDG_*) are under the cluster's
directory; run as root, everything runs as the postgres user, as the packages' services do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from devtools.private_servers import _as_user, _own_directory, _wait_for_port, free_port

PG_VERSION = "15"  # the version Debian's pg_auto_failover package is built for
PG_BIN = Path(f"/usr/lib/postgresql/{PG_VERSION}/bin")
INSTALL = (
    f"apt-get install postgresql-{PG_VERSION} postgresql-{PG_VERSION}-auto-failover "
    "pg-auto-failover-cli"
)
START_SECONDS = 120.0

# The failover timing, shared with docker-compose.ha.yml: the monitor's settings and the data
# nodes' are the files deploy/pg_auto_failover/start.sh includes (monitor.conf says why the values
# keep two primaries from taking writes at once), appended here to each postgresql.conf.
FAILOVER_SETTINGS = Path(__file__).parents[1] / "deploy" / "pg_auto_failover"
# pg_autoctl's own setting on each data node (seconds), as start.sh sets it: a primary cut off
# from the monitor and its standby stops itself this soon, within primary_demote_timeout.
NETWORK_PARTITION_TIMEOUT = "2"


def check_installed() -> None:
    missing = [
        str(path)
        for path in (
            PG_BIN / "initdb",
            Path("/usr/bin/pg_autoctl"),
            Path(f"/usr/lib/postgresql/{PG_VERSION}/lib/pgautofailover.so"),
        )
        if not path.exists()
    ]
    if missing:
        raise RuntimeError(f"pg_auto_failover is not installed ({', '.join(missing)}): {INSTALL}")


@dataclass
class Keeper:
    """One `pg_autoctl run`: the monitor's or a data node's, and the Postgres it runs."""

    name: str
    pgdata: Path
    port: int
    env: dict[str, str]
    log_path: Path
    data_node: bool = True
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def autoctl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [*_as_user("postgres"), "env", *_env_args(self.env), "pg_autoctl", *args],
            capture_output=True,
            text=True,
            timeout=START_SECONDS,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"pg_autoctl {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def run(self) -> None:
        """Start the keeper (it starts its Postgres) in a session of its own."""
        if self.data_node:
            self._finish_crash_recovery()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*_as_user("postgres"), "env", *_env_args(self.env),
                 "pg_autoctl", "run", "--pgdata", str(self.pgdata)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        _wait_for_port(self.port, START_SECONDS)

    def _finish_crash_recovery(self) -> None:
        """Replay the WAL of a primary that died, as pg_rewind itself would, before its keeper
        starts: so that the keeper can rewind it instead of copying the whole database.

        pg_autoctl 2.0 runs that crash recovery itself (with standby.signal in place) but
        does not wait for that Postgres to stop before it calls pg_rewind; when pg_rewind
        finds it not yet shut down, it tries the recovery in single-user mode, which refuses
        standby.signal ("standby mode is not supported by single-user servers"), and the keeper
        falls back to pg_basebackup. Done here, on a data directory left "in production" by a
        kill and without standby.signal, pg_autoctl finds it shut down cleanly.
        """
        if not (self.pgdata / "global" / "pg_control").exists():
            return
        if (self.pgdata / "standby.signal").exists():
            return  # a standby's own recovery needs standby mode: its Postgres does it
        postgres = [*_as_user("postgres"), "env", "LC_ALL=C"]
        control = subprocess.run(
            [*postgres, str(PG_BIN / "pg_controldata"), str(self.pgdata)],
            capture_output=True, text=True, timeout=START_SECONDS, check=False,
        )  # fmt: skip
        state = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in control.stdout.splitlines())
        ).get("Database cluster state")
        if state != "in production":
            return
        status = subprocess.run(
            [*postgres, str(PG_BIN / "pg_ctl"), "status", "-D", str(self.pgdata)],
            capture_output=True, timeout=START_SECONDS, check=False,
        )  # fmt: skip
        if status.returncode == 0:
            return  # running: not ours to touch
        with self.log_path.open("ab") as log:
            log.write(b"stepwise: crash recovery in single-user mode before pg_autoctl run\n")
            log.flush()
            subprocess.run(
                [*postgres, str(PG_BIN / "postgres"), "--single", "-F", "-D", str(self.pgdata),
                 "template1"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                timeout=START_SECONDS, check=False,
            )  # fmt: skip

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 the keeper and its Postgres, every process at once, as a machine dying."""
        if self.process is None:
            return
        pids = _tree(self.process.pid)
        for pid in pids:  # frozen first, so that none can restart another
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """A clean stop (the keeper stops its Postgres)."""
        if not self.running:
            return
        self.autoctl("stop", "--pgdata", str(self.pgdata), check=False)
        assert self.process is not None
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class PostgresCluster:
    directory: Path
    monitor: Keeper
    nodes: list[Keeper]
    database: str

    @classmethod
    def create(cls, directory: Path, database: str = "stepwise") -> PostgresCluster:
        check_installed()
        base = _own_directory(directory, "postgres")
        env = {
            "PATH": f"{PG_BIN}:/usr/bin:/bin",
            "HOME": str(base),
            "XDG_CONFIG_HOME": str(_own_directory(base / "config", "postgres")),
            "XDG_DATA_HOME": str(_own_directory(base / "share", "postgres")),
            "XDG_RUNTIME_DIR": str(_own_directory(base / "run", "postgres")),
            # Sockets in our directory, and pg_autoctl's local connections look there.
            "PG_REGRESS_SOCK_DIR": str(base),
            "PGHOST": str(base),
        }

        def keeper(name: str, data_node: bool = True) -> Keeper:
            return Keeper(name, base / name, free_port(), env, base / f"{name}.log", data_node)

        monitor = keeper("monitor", data_node=False)
        return cls(base, monitor, [keeper("node1"), keeper("node2")], database)

    @property
    def monitor_url(self) -> str:
        return f"postgres://autoctl_node@127.0.0.1:{self.monitor.port}/pg_auto_failover?sslmode=disable"

    def url(self, database: str | None = None) -> str:
        """DATABASE_URL naming both nodes; only the primary accepts the session."""
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return (
            f"postgresql://postgres@{hosts}/{database or self.database}"
            "?target_session_attrs=read-write"
        )

    def start(self) -> None:
        m = self.monitor
        m.autoctl(
            "create", "monitor", "--pgdata", str(m.pgdata), "--pgport", str(m.port),
            "--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl",
        )  # fmt: skip
        m.autoctl(
            "config", "set", "--pgdata", str(m.pgdata), "postgresql.listen_addresses", "127.0.0.1"
        )
        with (m.pgdata / "postgresql.conf").open("a") as conf:  # after pg_autoctl's include
            conf.write((FAILOVER_SETTINGS / "monitor.conf").read_text())
        m.run()
        for number, node in enumerate(self.nodes):
            if number == 0:
                _initdb(node)  # our settings, which the standby's base backup copies
            node.autoctl(
                "create", "postgres", "--pgdata", str(node.pgdata), "--pgport", str(node.port),
                "--hostname", "127.0.0.1", "--listen", "127.0.0.1", "--auth", "trust",
                "--no-ssl", "--dbname", self.database, "--name", node.name,
                "--monitor", self.monitor_url,
            )  # fmt: skip
            node.autoctl(
                "config", "set", "--pgdata", str(node.pgdata),
                "timeout.network_partition_timeout", NETWORK_PARTITION_TIMEOUT,
            )  # fmt: skip
            node.run()
            self.wait_for_states({node.name: ("primary", "single")} if number == 0 else None)
        self.wait_for_states()

    def states(self) -> dict[str, tuple[str, str]]:
        """node name -> (reported state, assigned state), as the monitor sees them."""
        return asyncpg_run(
            self.monitor_url,
            "SELECT nodename, reportedstate::text, goalstate::text FROM pgautofailover.node",
        )

    def wait_for_states(
        self, wanted: dict[str, tuple[str, ...]] | None = None, timeout: float = START_SECONDS
    ) -> dict[str, tuple[str, str]]:
        """Until each node's reported state is its assigned one and among `wanted` (default:
        one primary and one secondary)."""
        deadline = time.monotonic() + timeout
        states: dict[str, tuple[str, str]] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                states = self.states()
            settled = states and all(reported == goal for reported, goal in states.values())
            if settled and wanted is not None:
                if all(
                    states.get(name, ("", ""))[0] in allowed for name, allowed in wanted.items()
                ):
                    return states
            elif settled and sorted(r for r, _ in states.values()) == ["primary", "secondary"]:
                return states
            time.sleep(0.5)
        raise RuntimeError(f"pg_auto_failover did not settle in {timeout:.0f}s: {states}")

    def primary(self) -> Keeper | None:
        states = self.states()
        for node in self.nodes:
            if states.get(node.name, ("", ""))[0] in ("primary", "wait_primary", "single"):
                return node
        return None

    def stop(self) -> None:
        for keeper in (*self.nodes, self.monitor):
            with contextlib.suppress(Exception):
                keeper.stop()


def _initdb(node: Keeper) -> None:
    subprocess.run(
        [*_as_user("postgres"), str(PG_BIN / "initdb"), "-D", str(node.pgdata),
         "-U", "postgres", "-A", "trust", "--no-sync", "--encoding", "UTF8", "--locale", "C"],
        check=True, capture_output=True, timeout=START_SECONDS,
    )  # fmt: skip
    with (node.pgdata / "postgresql.conf").open("a") as conf:
        # A stack under chaos holds ~60 connections; fsync adds nothing on one machine whose
        # kernel does not crash (a node dies as a process, the page cache stays). Full page
        # writes stay on: pg_rewind, which turns an old primary into a standby, needs them.
        conf.write("max_connections = 200\nfsync = off\n")
        # Below pg_autoctl's include, so that it overrides pg_autoctl's wal_sender_timeout.
        conf.write((FAILOVER_SETTINGS / "node.conf").read_text())


def _env_args(env: dict[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in env.items()]


def _tree(root: int) -> list[int]:
    """`root` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def asyncpg_run(url: str, sql: str) -> dict[str, tuple[str, str]]:
    """Rows of three columns as first -> (second, third)."""

    async def query() -> dict[str, tuple[str, str]]:
        connection = await asyncpg.connect(url, timeout=5)
        try:
            rows = await connection.fetch(sql)
        finally:
            await connection.close()
        return {row[0]: (row[1], row[2]) for row in rows}

    return asyncio.run(query())
