"""What `make ha` hands the services: URLs naming every node, in the forms servicekit reads."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from devtools.ha_postgres import Keeper, PostgresCluster, _tree
from devtools.ha_rabbitmq import RabbitCluster
from devtools.private_servers import PrivateRabbitMQ
from servicekit.amqp_cluster import node_urls
from servicekit.pg import asyncpg_dsn


def _rabbit(number: int, port: int) -> PrivateRabbitMQ:
    return PrivateRabbitMQ(Path(f"/nonexistent/rabbit{number}"), f"n{number}@localhost", port, 0)


def _keeper(name: str, port: int) -> Keeper:
    return Keeper(name, Path(f"/nonexistent/{name}"), port, {}, Path("/nonexistent/log"))


def test_amqp_url_names_the_three_nodes() -> None:
    cluster = RabbitCluster([_rabbit(1, 5001), _rabbit(2, 5002), _rabbit(3, 5003)])
    assert node_urls(cluster.url("shop/1")) == [
        f"amqp://guest:guest@127.0.0.1:{port}/shop%2F1" for port in (5001, 5002, 5003)
    ]


def test_database_url_names_both_nodes_and_asks_for_the_primary() -> None:
    cluster = PostgresCluster(
        Path("/nonexistent"),
        _keeper("monitor", 6000),
        [_keeper("node1", 6001), _keeper("node2", 6002)],
        "stepwise",
    )
    url = "postgresql://postgres@127.0.0.1:6001,127.0.0.1:6002/stepwise?target_session_attrs=read-write"
    assert cluster.url() == url
    assert asyncpg_dsn(cluster.url()) == url
    assert "/other?" in cluster.url("other")


def test_a_process_tree_is_found_whole() -> None:
    """kill -9 of a node takes its keeper's children and grandchildren with it."""
    parent = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30 & wait"])
    try:
        for _ in range(50):
            tree = _tree(parent.pid)
            if len(tree) == 3:
                break
            time.sleep(0.05)
        assert tree[0] == parent.pid and len(tree) == 3
    finally:
        for pid in reversed(_tree(parent.pid)):
            os.kill(pid, 9)
        parent.wait()
