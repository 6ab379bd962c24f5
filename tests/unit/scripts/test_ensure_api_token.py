from __future__ import annotations

from pathlib import Path

import pytest

from scripts.ensure_api_token import ensure_api_token
from servicekit.auth import require_token


def test_writes_one_token_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_TOKEN", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_USER=stepwise\nAPI_TOKEN=\n")
    ensure_api_token(env_file)
    ensure_api_token(env_file)
    lines = env_file.read_text().splitlines()
    [line] = [text for text in lines if text.startswith("API_TOKEN=")]
    assert require_token(line.removeprefix("API_TOKEN=")) == line.removeprefix("API_TOKEN=")
    assert lines[0] == "POSTGRES_USER=stepwise"


def test_keeps_a_token_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_TOKEN", "t" * 40)
    env_file = tmp_path / ".env"
    ensure_api_token(env_file)
    assert not env_file.exists()
