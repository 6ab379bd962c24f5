"""AMQP_URL naming every node of a RabbitMQ cluster, and a connection that moves to a live one.

`amqp://user:pass@h1:5672,h2:5673,h3:5674/vhost?params`: the nodes, comma separated, share the
credentials, vhost and parameters. One host is the ordinary URL. aio-pika's robust connection
takes one URL (mosquito/aio-pika#141 is still open), so `ClusterConnection` reconnects through the
list itself: each connection attempt tries the nodes in turn, starting after the node it was last
on (which has most likely just died), until one answers.
"""

from __future__ import annotations

import logging
from typing import Any

import aio_pika
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aio_pika.robust_connection import RobustConnection
from yarl import URL

log = logging.getLogger(__name__)

# A node that does not answer (a machine gone, not just a process) must not hold up the next one
# for the OS's TCP timeout of minutes: one attempt, handshake included, gets this long.
CONNECT_TIMEOUT_SECONDS = 10.0
# The private method of RobustConnection that makes one connection attempt, every time, from its
# first connect and from its reconnect loop: the only place to change the host per attempt.
_ATTEMPT = "_RobustConnection__connect_transport"


def node_urls(url: str) -> list[str]:
    """One URL per node of `url` (see the module's docstring), in the order given."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"AMQP_URL must be an amqp:// URL, got {url!r}")
    authority, slash, after = rest.partition("/")
    userinfo, at, hostlist = authority.rpartition("@")
    prefix = f"{scheme}://{userinfo}@" if at else f"{scheme}://"
    suffix = f"/{after}" if slash else ""
    hosts = [host for host in hostlist.split(",") if host] or [""]
    return [f"{prefix}{host}{suffix}" for host in hosts]


class ClusterConnection(RobustConnection):
    """A RobustConnection over several nodes: its channels and consumers are restored as usual,
    on whichever node answered."""

    def __init__(self, url: URL, nodes: list[str] | None = None, **kwargs: Any) -> None:
        if not hasattr(RobustConnection, _ATTEMPT):
            raise RuntimeError(f"aio-pika changed: RobustConnection has no {_ATTEMPT}")
        self._nodes = [URL(node) for node in (nodes or [str(url)])]
        self._next = 0
        super().__init__(url, **kwargs)

    async def _RobustConnection__connect_transport(self) -> None:  # overrides the private one
        attempt = getattr(super(), _ATTEMPT)
        failure: BaseException | None = None
        for offset in range(len(self._nodes)):
            index = (self._next + offset) % len(self._nodes)
            self.url = self._nodes[index]
            try:
                await attempt()
            except CONNECTION_EXCEPTIONS as exc:
                failure = exc
                if len(self._nodes) > 1:
                    log.info("RabbitMQ node %s does not answer (%s)", self._safe(index), exc)
                continue
            if len(self._nodes) > 1:
                log.info("connected to RabbitMQ node %s", self._safe(index))
            self._next = index + 1
            return
        assert failure is not None
        raise failure

    def _safe(self, index: int) -> str:
        node = self._nodes[index]
        return f"{node.host}:{node.port}"


async def connect(url: str) -> ClusterConnection:
    """connect_robust over every node `url` names."""
    nodes = node_urls(url)
    return await aio_pika.connect_robust(
        nodes[0],
        nodes=nodes,
        timeout=CONNECT_TIMEOUT_SECONDS,
        connection_class=ClusterConnection,
    )
