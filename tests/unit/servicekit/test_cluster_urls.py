"""DATABASE_URL and AMQP_URL may name several hosts: each driver gets the form it understands."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import make_url

from servicekit.amqp_cluster import node_urls
from servicekit.pg import asyncpg_dsn
from servicekit.settings import async_database_url

MULTI_HOST = "postgresql://app:p%40ss@db1:5432,db2:5433/shop?target_session_attrs=read-write"


def test_one_host_is_unchanged_but_for_the_driver() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/postgres"
    assert async_database_url(url) == "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    assert asyncpg_dsn(url) == url
    assert asyncpg_dsn("postgres://h/db") == "postgresql://h/db"


def test_sqlalchemy_gets_the_hosts_as_parameters_and_hands_asyncpg_each() -> None:
    converted = async_database_url(MULTI_HOST)
    assert converted == (
        "postgresql+asyncpg://app:p%40ss@/shop"
        "?host=db1:5432&host=db2:5433&target_session_attrs=read-write"
    )
    _, kwargs = asyncpg_dialect().create_connect_args(make_url(converted))
    assert kwargs["host"] == ["db1", "db2"]
    assert kwargs["port"] == [5432, 5433]
    assert kwargs["password"] == "p@ss"
    assert kwargs["target_session_attrs"] == "read-write"


def test_asyncpg_gets_libpq_form_back_from_either_form() -> None:
    assert asyncpg_dsn(MULTI_HOST) == MULTI_HOST
    assert asyncpg_dsn(async_database_url(MULTI_HOST)) == MULTI_HOST


def test_a_unix_socket_host_stays_a_parameter() -> None:
    url = "postgresql:///db?host=/var/run/postgresql"
    assert asyncpg_dsn(url) == url


def test_other_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        async_database_url("mysql://h/db")


def test_amqp_url_with_one_node_per_host() -> None:
    assert node_urls("amqp://u:p@h1:5672,h2:5673,h3:5674/shop?heartbeat=30") == [
        "amqp://u:p@h1:5672/shop?heartbeat=30",
        "amqp://u:p@h2:5673/shop?heartbeat=30",
        "amqp://u:p@h3:5674/shop?heartbeat=30",
    ]
    assert node_urls("amqp://guest:guest@127.0.0.1:5672/") == ["amqp://guest:guest@127.0.0.1:5672/"]
    assert node_urls("amqps://h1,h2") == ["amqps://h1", "amqps://h2"]
