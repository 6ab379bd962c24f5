"""Connecting a service's dependencies in the background, so that it starts whatever they do.

The HTTP server comes up at once; `/healthz` answers 503 naming the dependency the service is
waiting for, and every other request answers 503 with `Retry-After` (servicekit.http). Each
connection is tried until it succeeds, with capped exponential backoff and jitter, one log line
per failed attempt. Once everything is connected and wired (consumers started), the service is
ready. A failure that retrying cannot cure (a bug in the wiring, an invalid workflow) ends the
process under `python -m` (a supervisor restarts it) and fails `Startup.wait()` in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

from fastapi import FastAPI

from servicekit.transient import describe, is_transient

log = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_FIRST_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 15.0


def backoff_delays(
    first: float = BACKOFF_FIRST_SECONDS,
    cap: float = BACKOFF_MAX_SECONDS,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Doubling delays up to `cap`, each drawn from its upper half ("equal jitter"): services
    that lost a server together do not all knock on it in the same instant."""
    rng = rng or random.Random()
    ceiling = first
    while True:
        yield rng.uniform(ceiling / 2, ceiling)
        ceiling = min(ceiling * 2, cap)


class StartupFailed(RuntimeError):
    """Connecting or wiring failed in a way that retrying cannot cure."""


class Startup:
    """How far a service got in connecting; shared by its lifespan, /healthz and the 503 gate."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.waiting_for = "start"
        self.last_problem: str | None = None
        self.failure: BaseException | None = None
        self._ready = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    async def attempt(
        self,
        dependency: str,
        step: Callable[[], Awaitable[T]],
        *,
        retry_any_error: bool = True,
    ) -> T:
        """Run `step` until it succeeds. Connecting retries on any error (a wrong password or a
        name that does not resolve yet are an operator's to fix, not ours to die of); wiring
        (`retry_any_error=False`) only on transient ones."""
        self.waiting_for = dependency
        delays = backoff_delays(BACKOFF_FIRST_SECONDS, BACKOFF_MAX_SECONDS)
        attempt = 1
        while True:
            try:
                result = await step()
            except Exception as exc:
                if not (retry_any_error or is_transient(exc)):
                    raise StartupFailed(f"{dependency}: {describe(exc)}") from exc
                delay = next(delays)
                self.last_problem = describe(exc)
                log.warning(
                    "%s: waiting for %s (attempt %d failed: %s); next attempt in %.1fs",
                    self.service,
                    dependency,
                    attempt,
                    self.last_problem,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1
            else:
                if attempt > 1:
                    log.info("%s: %s is up after %d attempts", self.service, dependency, attempt)
                self.last_problem = None
                return result

    def mark_ready(self) -> None:
        self.waiting_for = ""
        self._ready.set()
        log.info("%s: connected; ready", self.service)

    def status(self) -> dict[str, str]:
        """/healthz's body while not ready."""
        if self.failure is not None:
            return {"status": "failed", "reason": describe(self.failure)}
        body = {"status": "starting", "waiting_for": self.waiting_for}
        if self.last_problem is not None:
            body[self.waiting_for] = f"unavailable: {self.last_problem}"
        return body

    async def wait(self, timeout: float) -> None:
        """Until ready (tests); raises if startup failed or took longer than `timeout`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.ready:
            if self.failure is not None:
                raise StartupFailed(describe(self.failure)) from self.failure
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.service} not ready after {timeout}s: {self.status()}")
            await asyncio.sleep(0.02)


ConnectAndWire = Callable[[Startup], AbstractAsyncContextManager[None]]


@contextlib.asynccontextmanager
async def connecting_in_background(
    app: FastAPI, service: str, connect: ConnectAndWire
) -> AsyncIterator[None]:
    """A lifespan body that returns at once: `connect(startup)` is entered in a task of its own,
    which marks the service ready once it has yielded and exits it when the app stops."""
    startup = Startup(service)
    app.state.startup = startup

    async def hold() -> None:
        try:
            async with connect(startup):
                startup.mark_ready()
                await asyncio.Future()  # until the app stops and cancels this task
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            startup.failure = exc
            log.critical("%s: startup failed: %s", service, describe(exc), exc_info=exc)
            if getattr(app.state, "exit_on_startup_failure", False):
                os.kill(os.getpid(), signal.SIGTERM)  # uvicorn stops; a supervisor restarts us

    task = asyncio.create_task(hold(), name=f"{service}-startup")
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def wait_ready(app: FastAPI, timeout: float = 60.0) -> None:
    """Until the app's lifespan has connected everything (tests that run an app in-process)."""
    startup: Startup | None = getattr(app.state, "startup", None)
    if startup is not None:
        await startup.wait(timeout)
