"""The services' RabbitMQ users and their permissions on one vhost, written as a definitions
document (the format of `rabbitmqctl export_definitions`), which both ways of talking to RabbitMQ
import in one step, creating or updating users: `rabbitmqctl import_definitions` where the
command runs (this machine, the tests), or the management HTTP API (compose's RabbitMQ image)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import httpx

MANAGEMENT_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class UserGrant:
    user: str
    password: str
    configure: str
    write: str
    read: str


def password_hash(password: str) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(vhost: str, grants: Sequence[UserGrant]) -> dict[str, Any]:
    """Users with no tags (no management UI, no administration) and their permissions."""
    return {
        "users": [
            {
                "name": grant.user,
                "password_hash": password_hash(grant.password),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": "",
            }
            for grant in grants
        ],
        "permissions": [
            {
                "user": grant.user,
                "vhost": vhost,
                "configure": grant.configure,
                "write": grant.write,
                "read": grant.read,
            }
            for grant in grants
        ],
    }


class RabbitAdmin(Protocol):
    def apply(self, document: dict[str, Any]) -> None: ...

    def delete_users(self, users: Sequence[str]) -> None: ...


class Rabbitmqctl:
    """Through `rabbitmqctl` (as infra.Servers.rabbitmqctl runs it)."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)

    def apply(self, document: dict[str, Any]) -> None:
        # From stdin: the passwords' hashes never land in a file or on a command line.
        self._run(["import_definitions", "--format", "json"], json.dumps(document))

    def delete_users(self, users: Sequence[str]) -> None:
        # One Erlang VM per call costs about a second: delete them side by side.
        running = [
            subprocess.Popen(
                [*self._command, "delete_user", user],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for user in users
        ]
        for process in running:
            process.wait(timeout=60)

    def _run(self, arguments: list[str], stdin: str) -> None:
        done = subprocess.run(
            [*self._command, *arguments],
            input=stdin.encode(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            output = (done.stderr or done.stdout).decode(errors="replace").strip()
            raise RuntimeError(f"rabbitmqctl {arguments[0]} failed: {output}")


class ManagementApi:
    """Through the management plugin's HTTP API (`http://rabbitmq:15672` in compose)."""

    def __init__(
        self, url: str, user: str, password: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._client = httpx.Client(
            base_url=url.rstrip("/"), auth=(user, password), timeout=30, transport=transport
        )

    def apply(self, document: dict[str, Any]) -> None:
        # RabbitMQ's healthcheck passes once AMQP answers; the plugin's listener may lag.
        deadline = time.monotonic() + MANAGEMENT_WAIT_SECONDS
        while True:
            try:
                answer = self._client.post("/api/definitions", json=document)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
        answer.raise_for_status()

    def delete_users(self, users: Sequence[str]) -> None:
        for user in users:
            answer = self._client.delete(f"/api/users/{quote(user, safe='')}")
            if answer.status_code != 404:
                answer.raise_for_status()
