"""Reading and filling in one variable of a `.env` file, for the secrets `make dev` writes."""

from __future__ import annotations

import os
from pathlib import Path


def has_value(env_file: Path, variable: str) -> bool:
    """Set (non-empty) in the environment or in `env_file`."""
    if os.environ.get(variable, "").strip():
        return True
    if not env_file.exists():
        return False
    for line in env_file.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip() == variable and value.strip().strip("'\""):
            return True
    return False


def put_value(env_file: Path, variable: str, value: str) -> None:
    """Write `variable=value`: where an empty `variable=` stands (as .env.example has them),
    otherwise at the end."""
    line = f"{variable}={value}"
    lines = env_file.read_text().splitlines() if env_file.exists() else []
    empty = [n for n, text in enumerate(lines) if text.partition("=")[0].strip() == variable]
    if empty:
        lines[empty[0]] = line
    else:
        lines.append(line)
    env_file.write_text("\n".join(lines) + "\n")
