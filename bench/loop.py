"""How every bench process runs its coroutines: on uvloop, as the services do.

uvicorn runs each of our five processes on uvloop (it takes it when it is installed). A
baseline or a driver left on asyncio's own loop would pay more per wake-up than the processes
it is compared with or shares the cores with: the ceiling would be a weaker baseline than it
claims to be, and the drivers would take more of the two cores from what they measure."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run_on_uvloop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, on a uvloop event loop."""
    return uvloop.run(main)
