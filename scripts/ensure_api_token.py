"""Write a random API_TOKEN into `.env` when there is none, for `make dev`: no service starts
without one (servicekit.auth)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from scripts.env_file import has_value, update

VARIABLE = "API_TOKEN"


def ensure_api_token(env_file: Path) -> None:
    if has_value(env_file, VARIABLE):
        return
    update(env_file, {VARIABLE: secrets.token_urlsafe(32)})
    print(f"wrote a new {VARIABLE} to {env_file}: the console's sign-in asks for it")


if __name__ == "__main__":
    ensure_api_token(Path(sys.argv[1] if len(sys.argv) > 1 else ".env"))
