"""`python -m devtools.supervise [Procfile]`: run every process of a Procfile, as honcho does, but
start again one that exits (with backoff, and a line saying so) instead of stopping the others.

`make dev` uses it. Each line a process prints is shown prefixed with its name. A process that
ran for less than STABLE_SECONDS waits twice as long as last time before its next start (up to
MAX_DELAY_SECONDS); one that ran longer starts again after FIRST_DELAY_SECONDS. Ctrl-C or
SIGTERM stops everything: SIGTERM to each process, SIGKILL to one still there after
STOP_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
STABLE_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Entry:
    name: str
    command: str


def read_procfile(path: Path) -> list[Entry]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries.append(Entry(name.strip(), command.strip()))
    return entries


def say(name: str, width: int, text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {text}", flush=True)


class Supervisor:
    def __init__(self, entries: list[Entry], first_delay: float = FIRST_DELAY_SECONDS) -> None:
        self.entries = entries
        self.first_delay = first_delay
        self.width = max([len(e.name) for e in entries] + [len("supervise")])
        self.stopping = asyncio.Event()
        self.restarts: dict[str, int] = {entry.name: 0 for entry in entries}

    async def run(self) -> None:
        await asyncio.gather(*(self._keep_running(entry) for entry in self.entries))

    def stop(self) -> None:
        self.stopping.set()

    async def _keep_running(self, entry: Entry) -> None:
        delay = self.first_delay
        while not self.stopping.is_set():
            started = time.monotonic()
            code = await self._run_once(entry)
            if self.stopping.is_set():
                return
            ran = time.monotonic() - started
            delay = self.first_delay if ran >= STABLE_SECONDS else delay
            self.restarts[entry.name] += 1
            say(
                "supervise",
                self.width,
                f"{entry.name} exited with code {code} after {ran:.1f}s; "
                f"starting it again in {delay:.1f}s (restart {self.restarts[entry.name]})",
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            delay = min(delay * 2, MAX_DELAY_SECONDS)

    async def _run_once(self, entry: Entry) -> int:
        process = await asyncio.create_subprocess_exec(
            *shlex.split(entry.command),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children ourselves
            limit=1 << 20,  # a long log line must not end the output pump
        )
        say("supervise", self.width, f"{entry.name} started (pid {process.pid})")
        output = asyncio.create_task(self._show_output(entry.name, process))
        stop = asyncio.create_task(self.stopping.wait())
        exited = asyncio.create_task(process.wait())
        await asyncio.wait({stop, exited}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not exited.done():
            await _terminate(process)
        await output
        return await exited

    async def _show_output(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            say(name, self.width, line.decode(errors="replace").rstrip())


async def _terminate(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def supervise(entries: list[Entry]) -> None:
    supervisor = Supervisor(entries)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, supervisor.stop)
    await supervisor.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.supervise", description=__doc__)
    parser.add_argument("procfile", nargs="?", type=Path, default=Path("Procfile"))
    args = parser.parse_args(argv)
    asyncio.run(supervise(read_procfile(args.procfile)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
