"""The faults of `make chaos-ha`, on the cluster devtools.ha_cluster starts: a node dies with
kill -9, the cluster carries on without it, and the node comes back.

- RabbitMQ: the node that leads most of the run's quorum queues. The two others elect new
  leaders among themselves; the services on the dead node reconnect to a live one.
- Postgres: the primary (its keeper and Postgres together, as a machine dying). The monitor
  promotes the synchronous standby; the services' next connections find it; the old primary is
  started again and rejoins as the standby.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from devtools.ha_cluster import HaCluster

QUORUM_SECONDS = 60.0
FAILOVER_SECONDS = 180.0


@dataclass
class HaFaults:
    cluster: HaCluster
    vhost: str

    def kill_rabbitmq_leader(self, down_seconds: float) -> str:
        rabbit = self.cluster.rabbitmq
        leaders = Counter(rabbit.leaders(self.vhost).values())
        name, led = leaders.most_common(1)[0]
        node = rabbit.node_named(name)
        killed = time.monotonic()
        rabbit.kill(node)
        moved = self._wait_for_new_leaders(name)
        time.sleep(max(0.0, down_seconds - (time.monotonic() - killed)))
        node.start()
        return (
            f"{name.split('@')[0]} (leading {led} queues) killed; new leaders in "
            f"{moved:.1f}s; back after {time.monotonic() - killed:.1f}s"
        )

    def kill_postgres_primary(self) -> str:
        postgres = self.cluster.postgres
        primary = postgres.primary()
        if primary is None:
            raise RuntimeError(f"no Postgres primary to kill: {postgres.states()}")
        killed = time.monotonic()
        primary.kill()
        promoted = self._wait_for_promotion(primary.name)
        primary.run()
        postgres.wait_for_states(timeout=FAILOVER_SECONDS)
        return (
            f"primary {primary.name} killed; standby promoted and writable in {promoted:.1f}s; "
            f"old primary back as standby after {time.monotonic() - killed:.1f}s"
        )

    def _wait_for_new_leaders(self, dead: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < QUORUM_SECONDS:
            try:
                leaders = self.cluster.rabbitmq.leaders(self.vhost)
            except RuntimeError:
                leaders = {}
            if leaders and dead not in leaders.values():
                return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"queues still led by {dead} after {QUORUM_SECONDS:.0f}s")

    def _wait_for_promotion(self, dead: str) -> float:
        """Until the monitor has a primary other than `dead` that takes writes."""
        postgres = self.cluster.postgres
        started = time.monotonic()
        while time.monotonic() - started < FAILOVER_SECONDS:
            try:
                states = postgres.states()
            except Exception:  # the monitor busy or restarting: ask again
                states = {}
            if any(
                name != dead and reported == goal and reported in ("wait_primary", "primary")
                for name, (reported, goal) in states.items()
            ):
                return time.monotonic() - started
            time.sleep(0.5)
        raise RuntimeError(f"no new Postgres primary {FAILOVER_SECONDS:.0f}s after {dead} died")
