"""A three-node RabbitMQ cluster on one machine, to run on and to kill nodes of.

Each node is a devtools.private_servers node (its own node name, AMQP and distribution ports,
data and log directories), all three with one Erlang cookie; the second and third join the first
(`join_cluster`). Quorum queues declared once all three are up have a replica on each (their
initial group size is the cluster's size), so losing any one node keeps a majority.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from devtools.private_servers import PrivateRabbitMQ

NODES = 3


@dataclass
class RabbitCluster:
    nodes: list[PrivateRabbitMQ]

    @classmethod
    def create(cls, directory: Path, size: int = NODES) -> RabbitCluster:
        cookie = secrets.token_hex(20)
        run = uuid.uuid4().hex[:6]
        nodes = []
        for number in range(1, size + 1):
            node = PrivateRabbitMQ.create(directory / f"rabbit{number}")
            node.node = f"stepwise-ha{number}-{run}@localhost"
            _write_cookie(node.directory, cookie)
            nodes.append(node)
        return cls(nodes)

    def start(self) -> None:
        first, *others = self.nodes
        first.start()
        for node in others:
            node.start()
            node.ctl("stop_app")
            node.ctl("join_cluster", first.node)
            node.ctl("start_app")
        running = self.live().ctl("cluster_status", "--formatter", "json")
        missing = [node.node for node in self.nodes if node.node not in running]
        if missing:
            raise RuntimeError(f"RabbitMQ nodes did not join the cluster: {missing}")

    def url(self, vhost: str = "/") -> str:
        """AMQP_URL naming every node (servicekit.amqp_cluster)."""
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)
        return f"amqp://guest:guest@{hosts}/{quote(vhost, safe='')}"

    def live(self) -> PrivateRabbitMQ:
        """A node whose VM runs, to aim rabbitmqctl at (cluster-wide commands); told by its pid,
        as a `rabbitmqctl ping` costs a second of CPU."""
        for node in self.nodes:
            if _alive(node):
                return node
        raise RuntimeError("no RabbitMQ node of the cluster runs")

    def ctl(self, *args: str) -> str:
        return self.live().ctl(*args)

    def leaders(self, vhost: str) -> dict[str, str]:
        """queue -> the node that leads it (quorum queues)."""
        listed = self.ctl(
            "list_queues", "-p", vhost, "--no-table-headers", "--quiet", "name", "leader"
        )
        return dict(line.split("\t", 1) for line in listed.splitlines() if "\t" in line)

    def members(self, vhost: str, queue: str) -> str:
        listed = self.ctl(
            "list_queues", "-p", vhost, "--no-table-headers", "--quiet", "name", "members"
        )
        for line in listed.splitlines():
            name, _, members = line.partition("\t")
            if name == queue:
                return members
        return ""

    def node_named(self, name: str) -> PrivateRabbitMQ:
        return next(node for node in self.nodes if node.node == name)

    def kill(self, node: PrivateRabbitMQ) -> None:
        """kill -9 the node's Erlang VM: no goodbye to its clients or its peers, as a crash."""
        pid = _pid(node)
        if pid is None:
            raise RuntimeError(f"{node.node} is not running")
        os.kill(pid, signal.SIGKILL)
        while Path(f"/proc/{pid}").exists():
            time.sleep(0.05)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            with contextlib.suppress(Exception):
                node.stop()


def _pid(node: PrivateRabbitMQ) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((node.directory / "node.pid").read_text().split()[0])
        if Path(f"/proc/{pid}").exists():
            return pid
    return None


def _alive(node: PrivateRabbitMQ) -> bool:
    return _pid(node) is not None


def _write_cookie(home: Path, cookie: str) -> None:
    path = home / ".erlang.cookie"
    path.write_text(cookie)
    path.chmod(0o400)
    if os.geteuid() == 0:
        entry = pwd.getpwnam("rabbitmq")
        os.chown(path, entry.pw_uid, entry.pw_gid)
