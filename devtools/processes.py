"""Runs the five services as real processes, the way `make dev` does, for end-to-end tests and
benchmarks.

Each process gets free ports and this run's database and vhost; its output goes to a log file
(under the pytest temp directory in tests), printed when a process fails to start."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVICES = ("orchestrator", "payment_service", "inventory_service", "shipping_service", "web")
# The task queues tests may name besides the services' own: theirs start with `test.`.
TEST_TASK_QUEUES = "*.commands,test.*"
PORT_VARIABLES = {
    "orchestrator": "ORCHESTRATOR_PORT",
    "payment_service": "PAYMENT_PORT",
    "inventory_service": "INVENTORY_PORT",
    "shipping_service": "SHIPPING_PORT",
    "web": "WEB_PORT",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServiceProcess:
    package: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.package],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.package} exited:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.package} not healthy after {timeout}s:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash."""
        self.stop(signal.SIGKILL)

    def restart(self, timeout: float = 60.0) -> None:
        """Start again (after a stop or a kill) and wait until healthy."""
        self.stop()
        self.start()
        self.wait_healthy(timeout)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    services: dict[str, ServiceProcess]
    # This stack's API_TOKEN (servicekit.auth): a new one per stack unless given as a variable.
    api_token: str

    @classmethod
    def create(cls, database_url: str, amqp_url: str, log_dir: Path, **variables: str) -> Stack:
        """`variables` are more environment variables of every process (LOG_FORMAT="json")."""
        ports = {package: free_port() for package in SERVICES}
        api_token = variables.pop("API_TOKEN", None) or secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "API_TOKEN": api_token,
            "DATABASE_URL": database_url,
            "AMQP_URL": amqp_url,
            "LOG_LEVEL": "INFO",
            "TASK_QUEUES": TEST_TASK_QUEUES,
            # Every process here is on the run's one user unless `variables` (service accounts)
            # say otherwise: no reply-sender check, whatever a `.env` of `make dev` names.
            "TASK_QUEUE_OWNERS": "",
            "ORCHESTRATOR_URL": f"http://127.0.0.1:{ports['orchestrator']}",
            "INVENTORY_URL": f"http://127.0.0.1:{ports['inventory_service']}",
            **{PORT_VARIABLES[package]: str(port) for package, port in ports.items()},
            **variables,
        }
        return cls(
            {
                package: ServiceProcess(package, ports[package], env, log_dir / f"{package}.log")
                for package in SERVICES
            },
            api_token,
        )

    @property
    def auth_headers(self) -> dict[str, str]:
        """What a client of the services' protected APIs sends."""
        return {"Authorization": f"Bearer {self.api_token}"}

    def start(self, timeout: float = 60.0) -> None:
        """Start every process and wait until each is healthy (`timeout` seconds apiece)."""
        # The orchestrator first: it declares the result queue the services reply to.
        for package in SERVICES:
            self.services[package].start()
            if package == "orchestrator":
                self.services[package].wait_healthy(timeout)
        for service in self.services.values():
            service.wait_healthy(timeout)

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def url(self, package: str) -> str:
        return self.services[package].url

    def add_orchestrator(self, name: str) -> ServiceProcess:
        """Another orchestrator on this run's database and vhost, on a port of its own, named
        `name` in `services` (not started). It shares the work with the first one."""
        first = self.services["orchestrator"]
        port = free_port()
        extra = ServiceProcess(
            "orchestrator",
            port,
            {**first.env, "ORCHESTRATOR_PORT": str(port)},
            first.log_path.with_name(f"{name}.log"),
        )
        self.services[name] = extra
        return extra
