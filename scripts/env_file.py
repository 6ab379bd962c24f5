"""Read and update `NAME=value` lines of a `.env` file, keeping every other line as it is."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def read(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip().strip("'\"")
    return values


def update(path: Path, values: Mapping[str, str]) -> None:
    """Set each of `values`: in place where the name has a line, else appended."""
    lines = path.read_text().splitlines() if path.exists() else []
    pending = dict(values)
    for n, line in enumerate(lines):
        name = line.partition("=")[0].strip()
        if "=" in line and name in pending:
            lines[n] = f"{name}={pending.pop(name)}"
    lines.extend(f"{name}={value}" for name, value in pending.items())
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)  # passwords


def has_value(path: Path, variable: str) -> bool:
    """Set (non-empty) in the environment or in the file."""
    return bool(os.environ.get(variable, "").strip() or read(path).get(variable))
