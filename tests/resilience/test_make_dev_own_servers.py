"""`make dev` on a machine where nothing answers at DATABASE_URL or AMQP_URL: it starts a
Postgres and a RabbitMQ node of its own under its data directory, runs the five services on
them, and stops the servers when it stops. Run in a directory of the test's own (its .env,
Procfile and data), with the services on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devtools.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("orchestrator", "payment_service", "inventory_service", "shipping_service", "web")
PORTS = ("ORCHESTRATOR_PORT", "PAYMENT_PORT", "INVENTORY_PORT", "SHIPPING_PORT", "WEB_PORT")
UP_SECONDS = 120


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory the servers' own users can reach (pytest's are private to their owner)."""
    path = Path(tempfile.mkdtemp(prefix="stepwise-make-dev-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_make_dev_starts_and_stops_servers_of_its_own(workdir: Path) -> None:
    tmp_path = workdir
    (tmp_path / "Procfile").write_text(
        "".join(f"{name}: {sys.executable} -m {name}\n" for name in PACKAGES)
    )
    ports = {variable: free_port() for variable in PORTS}
    dead = free_port()  # nothing listens here
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{dead}/stepwise",
        "AMQP_URL": f"amqp://guest:guest@127.0.0.1:{dead}/",
        "DEV_DATA_DIR": str(tmp_path / ".dev"),
        "ORCHESTRATOR_URL": f"http://127.0.0.1:{ports['ORCHESTRATOR_PORT']}",
        "INVENTORY_URL": f"http://127.0.0.1:{ports['INVENTORY_PORT']}",
        **{variable: str(port) for variable, port in ports.items()},
    }
    env.pop("API_TOKEN", None)
    log_path = tmp_path / "make-dev.log"
    with log_path.open("wb") as log:
        dev = subprocess.Popen(
            [sys.executable, "-m", "devtools.dev"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C's SIGINT goes to this group alone
        )
    try:
        web = f"http://127.0.0.1:{ports['WEB_PORT']}"
        deadline = time.monotonic() + UP_SECONDS
        while not _healthy(web):
            assert dev.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        products = httpx.get(f"{web}/products", timeout=5)
        assert products.status_code == 200 and products.json(), products.text
        text = log_path.read_text()
        assert "nothing answers at DATABASE_URL: started Postgres" in text
        assert "nothing answers at AMQP_URL: started RabbitMQ node" in text
        assert "API_TOKEN=" in (tmp_path / ".env").read_text()
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGINT)
        dev.wait(timeout=90)
    text = log_path.read_text()
    assert "stopped its Postgres" in text and "stopped its RabbitMQ node" in text
    assert not (tmp_path / ".dev" / "postgres" / "data" / "postmaster.pid").exists()
    leftover = subprocess.run(
        ["pgrep", "-f", str(tmp_path / ".dev")], capture_output=True, text=True, check=False
    )
    assert leftover.stdout.strip() == "", f"processes left running: {leftover.stdout}"


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
