"""A stack of processes (devtools.processes.Stack: the bench, the end-to-end tests) is configured by
its environment alone: a `.env` that `make dev` left in the directory (the developer's own service
users and TASK_QUEUE_OWNERS) must not reach it, or the orchestrator refuses every reply its
services send on the run's one user."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.processes import Stack
from orchestrator.settings import OrchestratorSettings

DEV_ENV = """\
TASK_QUEUE_OWNERS=payment.commands=stepwise_payment,shipping.commands=stepwise_shipping
ORCHESTRATOR_DATABASE_URL=postgresql://stepwise_orchestrator:secret@127.0.0.1:5432/stepwise
"""


def settings_in(
    stack: Stack, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> OrchestratorSettings:
    """The orchestrator's settings as its process would load them: its environment, and `.env`
    from its working directory."""
    monkeypatch.chdir(directory)
    for name in ("TASK_QUEUE_OWNERS", "ORCHESTRATOR_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in stack.services["orchestrator"].env.items():
        monkeypatch.setenv(name, value)
    return OrchestratorSettings()


def test_a_stack_checks_no_reply_senders_whatever_a_dev_env_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(DEV_ENV)
    stack = Stack.create("postgresql://run@db/run", "amqp://run@mq/", tmp_path)

    settings = settings_in(stack, tmp_path, monkeypatch)

    assert settings.task_queue_owners == ""
    assert settings.database_url.endswith("://run@db/run")  # the environment beats `.env`


def test_a_stack_given_service_accounts_checks_their_senders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(DEV_ENV)
    owners = "payment.commands=run_payment"
    stack = Stack.create(
        "postgresql://run@db/run", "amqp://run@mq/", tmp_path, TASK_QUEUE_OWNERS=owners
    )

    assert settings_in(stack, tmp_path, monkeypatch).task_queue_owners == owners
