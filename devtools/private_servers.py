"""A Postgres and a RabbitMQ node of a run's own, to stop, restart and break at will.

Tests never stop or restart a server they did not start: the machine's servers are shared with
other runs. These are started from Debian's binaries (postgresql-NN: initdb and pg_ctl under
/usr/lib/postgresql/NN/bin; rabbitmq-server), each with its data in a directory of its own, on
free ports, with trust authentication (Postgres) and the guest user on 127.0.0.1 (RabbitMQ).
Run as root, each server runs as its Debian system user (postgres, rabbitmq), as the packages'
own services do: initdb refuses to run as root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools.infra import Servers

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")
START_TIMEOUT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_user(user: str) -> list[str]:
    """Run as `user` when we are root (the servers refuse root or run as their own users)."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", user, "--"]


def _own_directory(path: Path, user: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def postgres_bin() -> Path:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
    )
    if not versions:
        raise RuntimeError(
            "no Postgres binaries under /usr/lib/postgresql: apt-get install postgresql"
        )
    return versions[-1].parent


@dataclass
class PrivatePostgres:
    directory: Path
    port: int
    user: str = "postgres"

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*_as_user(self.user), *args],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()}")

    @classmethod
    def create(cls, directory: Path) -> PrivatePostgres:
        server = cls(_own_directory(directory, "postgres"), free_port())
        server._run(
            str(postgres_bin() / "initdb"),
            "-D", str(server.data), "-U", "postgres", "-A", "trust", "--no-sync",
            "--encoding", "UTF8", "--locale", "C",  # not SQL_ASCII where no UTF-8 locale is set
        )  # fmt: skip
        return server

    @classmethod
    def reuse_or_create(cls, directory: Path) -> PrivatePostgres:
        """The cluster kept under `directory` by an earlier run (on a new free port), or a new
        one: `make dev`'s data outlives the run."""
        if (directory / "data" / "PG_VERSION").exists():
            return cls(_own_directory(directory, "postgres"), free_port())
        return cls.create(directory)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(postgres_bin() / "pg_ctl"),
            "-D", str(self.data), "-l", str(self.directory / "postgres.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` (a clean restart), or `immediate` (as a crash: recovery on the next start)."""
        self._run(str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@dataclass
class PrivateRabbitMQ:
    directory: Path
    node: str
    port: int
    dist_port: int
    user: str = "rabbitmq"

    @property
    def admin_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def env(self) -> dict[str, str]:
        base = self.directory
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(base),  # its own Erlang cookie
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(base / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(base / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(base / "node.pid"),
        }

    @property
    def rabbitmqctl(self) -> list[str]:
        """rabbitmqctl aimed at this node, with its cookie (devtools.infra.Servers)."""
        env = [f"{key}={value}" for key, value in self.env.items()]
        return [
            *_as_user(self.user),
            "env",
            *env,
            str(RABBITMQ_BIN / "rabbitmqctl"),
            "-n",
            self.node,
        ]

    @classmethod
    def create(cls, directory: Path) -> PrivateRabbitMQ:
        if not (RABBITMQ_BIN / "rabbitmq-server").exists():
            raise RuntimeError(
                "no RabbitMQ under /usr/lib/rabbitmq: apt-get install rabbitmq-server"
            )
        base = _own_directory(directory, "rabbitmq")
        (base / "enabled_plugins").write_text("[].\n")  # no management plugin, no port of its
        node = f"stepwise-{uuid.uuid4().hex[:8]}@localhost"
        return cls(base, node, free_port(), free_port())

    @classmethod
    def reuse_or_create(cls, directory: Path) -> PrivateRabbitMQ:
        """The node kept under `directory` by an earlier run (its name, so its data, is kept in
        `nodename`; new free ports), or a new one."""
        name_file = directory / "nodename"
        if name_file.exists():
            base = _own_directory(directory, "rabbitmq")
            return cls(base, name_file.read_text().strip(), free_port(), free_port())
        node = cls.create(directory)
        name_file.write_text(node.node + "\n")
        return node

    def start(self) -> None:
        env = [f"{key}={value}" for key, value in self.env.items()]
        subprocess.run(
            [*_as_user(self.user), "env", *env, str(RABBITMQ_BIN / "rabbitmq-server"), "-detached"],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_SECONDS,
        )
        # -detached returns before the node has even registered its name: wait for that, then
        # for RabbitMQ to boot, then for its listener.
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                self.ctl("await_startup", "--timeout", str(START_TIMEOUT_SECONDS))
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.node} did not start: {self.log_tail()}") from None
                time.sleep(0.5)
        _wait_for_port(self.port, START_TIMEOUT_SECONDS)

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "log" / f"{self.node}.log"
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the whole node (its Erlang VM too), as a server going away does; given the pid
        file, rabbitmqctl returns once the VM's process has exited."""
        pid_file = self.directory / "node.pid"
        self.ctl("stop", *([str(pid_file)] if pid_file.exists() else []))

    def ctl(self, *args: str) -> str:
        done = subprocess.run(
            [*self.rabbitmqctl, *args],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_SECONDS + 30,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    @property
    def running(self) -> bool:
        try:
            self.ctl("ping")
        except RuntimeError:
            return False
        return True


@dataclass
class PrivateServers:
    postgres: PrivatePostgres
    rabbitmq: PrivateRabbitMQ

    @property
    def servers(self) -> Servers:
        """As devtools.infra describes servers: fresh databases and vhosts work the same."""
        return Servers(self.postgres.admin_url, self.rabbitmq.admin_url, self.rabbitmq.rabbitmqctl)


@contextlib.contextmanager
def private_servers(directory: Path | None = None) -> Iterator[PrivateServers]:
    """Start a private Postgres and RabbitMQ node under `directory` (a new one in /tmp by
    default: pytest's are private to their owner, and the servers run as their own users); stop
    them afterwards, whatever state a test left them in, and remove their data."""
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="stepwise-servers-"))
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)  # the servers' users must reach their own subdirectories
    postgres = PrivatePostgres.create(directory / "postgres")
    rabbitmq = PrivateRabbitMQ.create(directory / "rabbitmq")
    try:
        postgres.start()
        rabbitmq.start()
        yield PrivateServers(postgres, rabbitmq)
    finally:
        with contextlib.suppress(Exception):
            rabbitmq.stop()
        if postgres.running:
            with contextlib.suppress(Exception):
                postgres.stop("immediate")
        shutil.rmtree(directory, ignore_errors=True)
