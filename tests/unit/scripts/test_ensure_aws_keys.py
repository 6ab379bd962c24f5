"""`make dev` writes one AWS key pair into .env, once."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.aws_api.sigv4 import parse_keys
from scripts.ensure_aws_keys import ensure_aws_keys


def test_a_key_pair_is_written_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_API_KEYS", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("POSTGRES_USER=x")
    ensure_aws_keys(env_file)
    ensure_aws_keys(env_file)
    lines = env_file.read_text().splitlines()
    assert lines[0] == "POSTGRES_USER=x"
    written = [line for line in lines if line.startswith("AWS_API_KEYS=")]
    assert len(written) == 1
    (key_id,) = parse_keys(written[0].removeprefix("AWS_API_KEYS="))
    assert key_id.startswith("AKIA") and len(key_id) == 20


def test_an_empty_variable_gets_a_key_and_a_set_one_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_API_KEYS", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("AWS_API_KEYS=\nAWS_REGION=us-east-1\n")
    ensure_aws_keys(env_file)
    first, second = env_file.read_text().splitlines()
    assert parse_keys(first.removeprefix("AWS_API_KEYS="))
    assert second == "AWS_REGION=us-east-1"

    kept = tmp_path / "kept.env"
    kept.write_text("AWS_API_KEYS=mine:secret\n")
    ensure_aws_keys(kept)
    assert kept.read_text() == "AWS_API_KEYS=mine:secret\n"
