"""What a chaos run does to the running system, one disruption at a time.

After each disruption every process must recover by itself: healthy again, and every queue it
consumes has its consumers back. One that does not is a violation (and is restarted, so that the
run can go on and find the next one)."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from devtools.processes import Stack
from tests.chaos.ha_faults import HaFaults
from tests.chaos.servers import ServerControl

SECOND_ORCHESTRATOR = "orchestrator-2"
SERVICES = ("payment_service", "inventory_service", "shipping_service")
RESTARTABLE = ("orchestrator", *SERVICES)
COMMAND_QUEUES = {
    "payment_service": "payment.commands",
    "inventory_service": "inventory.commands",
    "shipping_service": "shipping.commands",
}
RESULT_QUEUE = "orchestrator.results"
RECOVERY_SECONDS = 60.0
# How long a process just started may take to first answer /healthz: its imports alone took over
# 60 s once under a load average of 25 (a 1,000-order run beside three other stacks).
STARTUP_SECONDS = 150.0


@dataclass
class Disruptor:
    stack: Stack
    control: ServerControl
    rng: random.Random
    say: Callable[[str], None]
    down_seconds: float = 3.0  # how long RabbitMQ and Postgres stay down
    done: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    # ---- the disruptions -------------------------------------------------------------------

    def start_second_orchestrator(self) -> None:
        extra = self.stack.services.get(SECOND_ORCHESTRATOR) or self.stack.add_orchestrator(
            SECOND_ORCHESTRATOR
        )
        if not extra.running:
            extra.restart()
            self._did("second orchestrator started", "2 orchestrators side by side")

    def kill_orchestrator(self) -> None:
        """SIGKILL one orchestrator (either, when two run) at a random moment; start it again."""
        names = [name for name in ("orchestrator", SECOND_ORCHESTRATOR) if self._running(name)]
        self._kill_and_restart(self.rng.choice(names), kind="orchestrator killed")

    def kill_second_orchestrator(self) -> None:
        """SIGKILL the second orchestrator and leave it down: the first carries on alone."""
        if self._running(SECOND_ORCHESTRATOR):
            self.stack.services[SECOND_ORCHESTRATOR].kill()
            self._did("second orchestrator killed", "left down")

    def kill_service(self, package: str | None = None) -> None:
        self._kill_and_restart(package or self.rng.choice(SERVICES), kind="service killed")

    def restart_rabbitmq(self) -> None:
        restarted, detail = self.control.restart_rabbitmq(self.down_seconds)
        self._did("RabbitMQ restarted" if restarted else "RabbitMQ connections dropped", detail)
        self.check_recovered("RabbitMQ restart")

    def restart_postgres(self) -> None:
        restarted, detail = self.control.restart_postgres(self.down_seconds)
        self._did("Postgres restarted" if restarted else "Postgres connections dropped", detail)
        self.check_recovered("Postgres restart")

    def drop_connections(self) -> None:
        """Close every RabbitMQ connection and terminate every Postgres session of the run, the
        servers staying up: each process must reconnect by itself."""
        self.control.drop_rabbitmq_connections()
        self.control.drop_postgres_connections()
        self._did("connections dropped", "RabbitMQ and Postgres, servers up")
        self.check_recovered("connections dropped")

    def kill_rabbitmq_leader(self) -> None:
        """kill -9 the RabbitMQ node that leads the queues (chaos-ha), then start it again."""
        self._did("RabbitMQ leader node killed", self._ha().kill_rabbitmq_leader(self.down_seconds))
        self.check_recovered("the RabbitMQ leader's death")

    def kill_postgres_primary(self) -> None:
        """kill -9 the Postgres primary (chaos-ha): failover to the standby, then the old
        primary back as the new standby."""
        self._did("Postgres primary killed", self._ha().kill_postgres_primary())
        self.check_recovered("the Postgres primary's death")

    def _ha(self) -> HaFaults:
        if self.control.ha is None:
            raise RuntimeError("node faults need the cluster of --servers ha")
        return self.control.ha

    def restart_service_while_postgres_is_down(self) -> None:
        self._restart_service_while_down(
            "database", self.control.stop_postgres, self.control.start_postgres
        )

    def restart_service_while_rabbitmq_is_down(self) -> None:
        self._restart_service_while_down(
            "broker", self.control.stop_rabbitmq, self.control.start_rabbitmq
        )

    def stop_a_server_while_a_service_starts(self) -> None:
        """Kill a process, start it again and, while it connects, stop Postgres or RabbitMQ."""
        if not self._can_stop_servers("server stopped while a service starts"):
            return
        name = self.rng.choice(RESTARTABLE)
        which = self.rng.choice(("Postgres", "RabbitMQ"))
        stop, start = {
            "Postgres": (self.control.stop_postgres, self.control.start_postgres),
            "RabbitMQ": (self.control.stop_rabbitmq, self.control.start_rabbitmq),
        }[which]
        service = self.stack.services[name]
        service.kill()
        service.start()
        time.sleep(self.rng.uniform(0.0, 1.0))
        stop()
        try:
            time.sleep(self.down_seconds)
            self._still_running(name, f"{which} stopped while it started")
        finally:
            start()
        self._did("server stopped while a service starts", f"{which} under {name}")
        self.check_recovered(f"{which} stopped while {name} started")

    def _restart_service_while_down(
        self, dependency: str, stop: Callable[[], None], start: Callable[[], None]
    ) -> None:
        """Stop a server, kill a process and start it again while the server is down: it must
        stay up, say on /healthz what it waits for, and recover once the server is back."""
        kind = f"service restarted while the {dependency} is down"
        if not self._can_stop_servers(kind):
            return
        name = self.rng.choice(RESTARTABLE)
        service = self.stack.services[name]
        stop()
        try:
            service.kill()
            service.start()
            time.sleep(self.down_seconds)
            health = _health_naming(service.url, dependency, STARTUP_SECONDS)
            self._still_running(name, f"the {dependency} down")
            if health is None or health[0] != 503 or dependency not in health[1]:
                self.violations.append(
                    f"{name} started while the {dependency} was down: /healthz {health}"
                )
        finally:
            start()
        self._did(kind, name)
        self.check_recovered(f"{name} restarted while the {dependency} was down")

    def _can_stop_servers(self, kind: str) -> bool:
        if self.control.can_stop_servers:
            return True
        self._did(f"skipped ({kind})", "the servers are shared")
        return False

    def _still_running(self, name: str, during: str) -> None:
        if not self._running(name):
            self.violations.append(f"{name} exited with {during}")
            self.say(
                f"VIOLATION: {name} exited with {during}:\n{self.stack.services[name].log_tail()}"
            )

    # ---- recovery ----------------------------------------------------------------------------

    def check_recovered(self, after: str) -> None:
        """Every running process healthy and consuming again within RECOVERY_SECONDS."""
        deadline = time.monotonic() + RECOVERY_SECONDS
        missing = self._not_recovered()
        while missing and time.monotonic() < deadline:
            time.sleep(0.5)
            missing = self._not_recovered()
        if missing:
            self.violations.append(
                f"after {after}: not recovered in {RECOVERY_SECONDS:.0f}s: {missing}"
            )
            self.say(f"VIOLATION after {after}: {missing}; restarting them to go on")
            for name in self.stack.services:
                if self._running(name):
                    self.stack.services[name].restart()

    def _not_recovered(self) -> list[str]:
        unhealthy = [
            name
            for name, service in self.stack.services.items()
            if service.running and not _healthy(service.url)
        ]
        queues = self.control.queues()
        orchestrators = sum(self._running(name) for name in ("orchestrator", SECOND_ORCHESTRATOR))
        expected = {RESULT_QUEUE: orchestrators} | {
            queue: 1 for package, queue in COMMAND_QUEUES.items() if self._running(package)
        }
        consumers = [
            f"{queue} has {queues.get(queue, (0, 0))[1]} consumer(s), expected {count}"
            for queue, count in expected.items()
            if queues.get(queue, (0, 0))[1] != count
        ]
        return unhealthy + consumers

    # ---- helpers -----------------------------------------------------------------------------

    def _kill_and_restart(self, name: str, kind: str) -> None:
        """SIGKILL `name`, at once or after freezing it (SIGSTOP) for a moment: a frozen
        process keeps the messages it was given unacked and its transactions open while work
        piles up, so the kill lands in the middle of it. Then start it again."""
        service = self.stack.services[name]
        frozen = self.rng.random() < 0.5
        if frozen and service.process is not None:
            service.process.send_signal(signal.SIGSTOP)
            time.sleep(self.rng.uniform(1.0, 3.0))
        service.kill()
        time.sleep(self.rng.uniform(0.2, 2.0))
        service.restart()
        self._did(f"{kind}{' (frozen first)' if frozen else ''}", name)
        self.check_recovered(f"{name} was killed")

    def _running(self, name: str) -> bool:
        service = self.stack.services.get(name)
        return service is not None and service.running

    def _did(self, kind: str, detail: str) -> None:
        self.done[kind] += 1
        self.say(f"{kind}: {detail}")


def _healthy(url: str) -> bool:
    health = _health(url)
    return health is not None and health[0] == 200


def _health_naming(url: str, dependency: str, timeout: float) -> tuple[int, str] | None:
    """/healthz's answer once it names `dependency` as down, or is 200 (wrong: it is down), or
    the last one after `timeout`: a process starting under load takes seconds to serve HTTP,
    and more to get through the steps before (a broker is tried after the migrations)."""
    deadline = time.monotonic() + timeout
    while True:
        health = _health(url)
        done = health is not None and (
            health[0] == 200 or f'"{dependency}":"unavailable' in health[1]
        )
        if done or time.monotonic() > deadline:
            return health
        time.sleep(0.2)


def _health(url: str) -> tuple[int, str] | None:
    """/healthz's status and body, or None when nothing answers."""
    try:
        response = httpx.get(f"{url}/healthz", timeout=2)
    except httpx.HTTPError:
        return None
    return response.status_code, response.text
