"""Write one AWS access key pair into `.env` (AWS_API_KEYS) when there is none, for `make dev`:
the orchestrator's AWS API refuses every request without a key."""

from __future__ import annotations

import os
import secrets
import string
import sys
from pathlib import Path

VARIABLE = "AWS_API_KEYS"


def has_keys(env_file: Path) -> bool:
    if os.environ.get(VARIABLE, "").strip():
        return True
    if not env_file.exists():
        return False
    for line in env_file.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == VARIABLE and value.strip().strip("'\""):
            return True
    return False


def new_key_pair() -> tuple[str, str]:
    """A key id shaped like AWS's (AKIA + 16 upper-case letters and digits) and a secret."""
    alphabet = string.ascii_uppercase + string.digits
    key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return key_id, secrets.token_urlsafe(30)


def ensure_aws_keys(env_file: Path) -> None:
    if has_keys(env_file):
        return
    key_id, secret = new_key_pair()
    line = f"{VARIABLE}={key_id}:{secret}"
    lines = env_file.read_text().splitlines() if env_file.exists() else []
    # An empty `AWS_API_KEYS=` (as .env.example has it) is filled in where it stands.
    empty = [n for n, text in enumerate(lines) if text.partition("=")[0].strip() == VARIABLE]
    if empty:
        lines[empty[0]] = line
    else:
        lines.append(line)
    env_file.write_text("\n".join(lines) + "\n")
    print(f"wrote an AWS access key to {env_file} ({VARIABLE}): key id {key_id}, secret there")


if __name__ == "__main__":
    ensure_aws_keys(Path(sys.argv[1] if len(sys.argv) > 1 else ".env"))
