"""The provisioning's pure parts: names, URLs, grants, the env file, the definitions document."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
from pathlib import Path

import httpx

from scripts import env_file
from scripts.provision import Credentials, environment, vhost_of, with_user
from scripts.rabbitmq_users import ManagementApi, UserGrant, definitions, password_hash
from scripts.service_accounts import ACCOUNTS, accounts, orchestrator, role_name, worker


def allowed(pattern: str, name: str) -> bool:
    # RabbitMQ matches permissions with Erlang's re (PCRE); these regexes mean the same in Python.
    return re.search(pattern, name) is not None


def test_a_worker_writes_only_where_it_replies_and_dead_letters() -> None:
    payment = worker("payment", "payment.commands")
    for name in ("orchestrator.results", "payment.commands.dlq"):
        assert allowed(payment.write, name)
    for name in (
        "amq.default",
        "inventory.commands",
        "payment.commands",
        "orchestrator.results.dlq",
    ):
        assert not allowed(payment.write, name)
    assert allowed(payment.read, "payment.commands")
    assert not allowed(payment.read, "inventory.commands")
    assert not allowed(payment.read, "orchestrator.results")
    assert not allowed(payment.configure, "orchestrator.results")


def test_the_orchestrator_publishes_through_the_default_exchange_only() -> None:
    assert allowed(orchestrator().write, "amq.default")
    assert not allowed(orchestrator().write, "payment.commands.dlq")
    narrow = orchestrator(r".+\.commands")
    assert allowed(narrow.configure, "payment.commands.dlq")
    assert allowed(narrow.configure, "orchestrator.results")
    assert not allowed(narrow.configure, "elsewhere")


def test_names_carry_the_prefix() -> None:
    assert [role_name("test_ab12", a) for a in ACCOUNTS] == [
        "test_ab12_orchestrator",
        "test_ab12_payment",
        "test_ab12_inventory",
        "test_ab12_shipping",
    ]
    assert [a.service for a in accounts()] == [a.service for a in ACCOUNTS]


def test_urls_log_in_as_the_service() -> None:
    assert (
        with_user("postgresql://postgres@db:5432/stepwise", "a_b", "p@ss/")
        == "postgresql://a_b:p%40ss%2F@db:5432/stepwise"
    )
    assert with_user("amqp://guest:guest@[::1]/v", "u", "p") == "amqp://u:p@[::1]/v"
    # Every node of a cluster (make ha), and the parameters, are kept.
    assert (
        with_user(
            "postgresql://postgres@h1:5432,h2:5433/db?target_session_attrs=read-write", "u", "p"
        )
        == "postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write"
    )
    assert with_user("amqp://g:g@h1:1,h2:2,h3:3/v", "u", "p") == "amqp://u:p@h1:1,h2:2,h3:3/v"
    assert vhost_of("amqp://g:g@h:5672/") == "/"
    assert vhost_of("amqp://g:g@h:5672/test-1%2F2") == "test-1/2"


def test_the_environment_names_each_service_and_the_queue_owners() -> None:
    credentials = {
        a.service: Credentials(f"x_{a.service}", f"pg-{a.service}", f"mq-{a.service}")
        for a in ACCOUNTS
    }
    variables = environment(credentials)
    assert variables["PAYMENT_DATABASE_URL"] == "pg-payment"
    assert variables["ORCHESTRATOR_AMQP_URL"] == "mq-orchestrator"
    assert variables["TASK_QUEUE_OWNERS"] == (
        "payment.commands=x_payment,inventory.commands=x_inventory,shipping.commands=x_shipping"
    )


def test_the_env_file_keeps_other_lines_and_updates_in_place(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# secrets\nAWS_API_KEYS=k:s\nPAYMENT_PASSWORD=\n")
    env_file.update(path, {"PAYMENT_PASSWORD": "p1", "PAYMENT_DATABASE_URL": "pg"})
    assert path.read_text() == (
        "# secrets\nAWS_API_KEYS=k:s\nPAYMENT_PASSWORD=p1\nPAYMENT_DATABASE_URL=pg\n"
    )
    assert env_file.read(path) == {
        "AWS_API_KEYS": "k:s",
        "PAYMENT_PASSWORD": "p1",
        "PAYMENT_DATABASE_URL": "pg",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_password_hash_is_rabbitmqs_salted_sha256() -> None:
    raw = base64.b64decode(password_hash("secret"))
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b"secret").digest()


def test_the_management_api_imports_the_definitions() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204 if request.method == "POST" else 404)

    api = ManagementApi("http://rabbit:15672/", "admin", "pw", httpx.MockTransport(answer))
    document = definitions("/", [UserGrant("u", "p", "^c$", "^w$", "^r$")])
    api.apply(document)
    api.delete_users(["gone"])  # 404: already gone, fine
    posted, deleted = seen
    assert posted.url == "http://rabbit:15672/api/definitions"
    assert posted.headers["authorization"].startswith("Basic ")
    body = json.loads(posted.content)
    assert body["permissions"] == [
        {"user": "u", "vhost": "/", "configure": "^c$", "write": "^w$", "read": "^r$"}
    ]
    assert body["users"][0]["tags"] == "" and "password" not in body["users"][0]
    assert deleted.method == "DELETE" and deleted.url.path == "/api/users/gone"
