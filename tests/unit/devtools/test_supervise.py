"""`make dev`'s supervisor: a process that exits is started again, the others keep running."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from devtools.supervise import Entry, Supervisor, read_procfile


def test_reads_a_procfile(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("# the shop\nweb: python -m web --port 1\n\nworker: sleep 1\n")
    assert read_procfile(procfile) == [
        Entry("web", "python -m web --port 1"),
        Entry("worker", "sleep 1"),
    ]


async def test_a_process_that_exits_is_started_again_and_the_others_keep_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    crashing = Entry("crashing", f"{sys.executable} -c 'print(\"up\"); raise SystemExit(3)'")
    steady = Entry("steady", f"{sys.executable} -c 'import time; time.sleep(60)'")
    supervisor = Supervisor([crashing, steady], first_delay=0.05)
    running = asyncio.create_task(supervisor.run())
    await asyncio.sleep(2.0)
    supervisor.stop()
    await asyncio.wait_for(running, 15)

    assert supervisor.restarts["crashing"] >= 2
    assert supervisor.restarts["steady"] == 0
    output = capsys.readouterr().out
    assert "crashing  | up" in output
    assert "crashing exited with code 3" in output
    assert "starting it again in" in output
