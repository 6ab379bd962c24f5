"""A live progress bar per phase, on stderr (tqdm), so stdout keeps only the results."""

from __future__ import annotations

import sys

from tqdm import tqdm


def bar(label: str, total: int | None, unit: str = "it") -> tqdm:
    return tqdm(
        total=total,
        desc=f"{label:<22}",
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
        mininterval=0.25,
    )
