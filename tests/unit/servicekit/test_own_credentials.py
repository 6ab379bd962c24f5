"""A service reads its own credentials before the shared ones, and never over explicit ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from payment_service.settings import PaymentSettings
from servicekit.inbox import reply_exchange


@pytest.fixture
def in_dir_with_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "AMQP_URL", "PAYMENT_DATABASE_URL", "PAYMENT_AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgresql://admin@db/s\nPAYMENT_DATABASE_URL=postgresql://own@db/s\n"
        "PAYMENT_AMQP_URL=amqp://own:pw@mq/\n"
    )
    return tmp_path


def test_own_urls_in_the_env_file_come_first(in_dir_with_env_file: Path) -> None:
    settings = PaymentSettings()
    assert settings.database_url == "postgresql+asyncpg://own@db/s"
    assert settings.amqp_url == "amqp://own:pw@mq/"


def test_the_environment_and_arguments_beat_the_env_file(
    in_dir_with_env_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://test@db/run")
    assert PaymentSettings().database_url == "postgresql+asyncpg://test@db/run"
    given = PaymentSettings(database_url="postgresql://arg@db/run")
    assert given.database_url == "postgresql+asyncpg://arg@db/run"
    monkeypatch.setenv("PAYMENT_DATABASE_URL", "postgresql://envown@db/run")
    assert PaymentSettings().database_url == "postgresql+asyncpg://envown@db/run"


def test_a_command_names_the_exchange_for_its_reply() -> None:
    assert reply_exchange({"reply-exchange": "orchestrator.results"}) == "orchestrator.results"
    assert reply_exchange({}) == ""
    assert reply_exchange(None) == ""
    assert reply_exchange({"reply-exchange": 7}) == ""
