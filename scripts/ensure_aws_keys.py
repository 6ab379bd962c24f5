"""Write one AWS access key pair into `.env` (AWS_API_KEYS) when there is none, for `make dev`:
the orchestrator's AWS API refuses every request without a key."""

from __future__ import annotations

import secrets
import string
import sys
from pathlib import Path

from scripts.env_file import has_value, update

VARIABLE = "AWS_API_KEYS"


def new_key_pair() -> tuple[str, str]:
    """A key id shaped like AWS's (AKIA + 16 upper-case letters and digits) and a secret."""
    alphabet = string.ascii_uppercase + string.digits
    key_id = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return key_id, secrets.token_urlsafe(30)


def ensure_aws_keys(env_file: Path) -> None:
    if has_value(env_file, VARIABLE):
        return
    key_id, secret = new_key_pair()
    update(env_file, {VARIABLE: f"{key_id}:{secret}"})
    print(f"wrote an AWS access key to {env_file} ({VARIABLE}): key id {key_id}, secret there")


if __name__ == "__main__":
    ensure_aws_keys(Path(sys.argv[1] if len(sys.argv) > 1 else ".env"))
