"""One chaos run: a fresh database and vhost, the five processes, bursts of orders with a
disruption landing in each, then, once every order has ended, the checks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import httpx

from devtools import infra
from devtools.accounts import service_accounts
from devtools.ha_cluster import ha_cluster
from devtools.private_servers import private_servers
from devtools.processes import Stack
from servicekit import amqp_cluster
from tests.chaos.checks import (
    Urls,
    check_orders,
    check_queues,
    check_stock,
    orchestrator_leftovers,
    summarize,
)
from tests.chaos.disruptions import Disruptor
from tests.chaos.ha_faults import HaFaults
from tests.chaos.plan import TOO_MANY, PlannedOrder, plan_orders
from tests.chaos.records import execution_statuses, get_json
from tests.chaos.servers import ServerControl

# Messages the run sends that can never be processed: each must end in its queue's DLQ, and the
# consumer must go on. (queue, body)
POISON = (
    ("payment.commands", b"this is not JSON"),
    ("inventory.commands", json.dumps({"order_id": "no type, no token"}).encode()),
    ("orchestrator.results", b'{"taskToken": '),
    ("orchestrator.results", json.dumps({"taskToken": "forged", "status": "SUCCEEDED"}).encode()),
)


@dataclass(frozen=True)
class Settings:
    orders: int = 60
    rate: float = 5.0  # orders placed per second within a burst
    gap: float = 1.0  # seconds of calm after each disruption
    full: bool = False  # the long round of disruptions (more kills)
    rounds: int = 1
    settle_seconds: float = 150.0  # every order must end within this after the last disruption
    seed: int = 0
    down_seconds: float = 3.0  # how long RabbitMQ and Postgres stay down when restarted
    # private: started (and broken) by the run; shared: see servers.py; ha: a RabbitMQ cluster
    # and a Postgres primary with a standby (devtools.ha_cluster), whose nodes the run kills.
    servers: str = "private"


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def run(
    settings: Settings,
    log_dir: Path,
    say: Callable[[str], None],
    shared: infra.Servers | None = None,
) -> Report:
    """Everything, from a fresh database and vhost to the report. On a private Postgres and
    RabbitMQ node started for the run, unless `shared` servers are given (never stopped)."""
    with running_system(settings.servers, log_dir, say, shared) as (stack, control):
        return asyncio.run(ChaosRun(settings, stack, control, say).go())


@contextlib.contextmanager
def running_system(
    servers_kind: str,
    log_dir: Path,
    say: Callable[[str], None],
    shared: infra.Servers | None = None,
    start_timeout: float = 60.0,
) -> Iterator[tuple[Stack, ServerControl]]:
    """The five processes, started, on a fresh database and vhost of servers as `servers_kind`
    says (SERVER_CHOICES; `shared` ones when given), and what stops and breaks those servers;
    all stopped and removed afterwards. The chaos run's and the soak's (tests/chaos/soak.py)."""
    with contextlib.ExitStack() as exits:
        private = cluster = None
        servers = shared
        if servers is None and servers_kind == "ha":
            cluster = exits.enter_context(ha_cluster(say=say))
            servers = cluster.servers
        elif servers is None:
            say("starting a private Postgres and RabbitMQ node")
            private = exits.enter_context(private_servers())
            servers = private.servers
        database_url = exits.enter_context(infra.fresh_database(servers.postgres_admin_url))
        amqp_url = exits.enter_context(infra.fresh_vhost(servers))
        own = exits.enter_context(service_accounts(servers, database_url, amqp_url))
        stack = Stack.create(database_url, amqp_url, log_dir, **own)
        control = ServerControl(servers, database_url, amqp_url, private)
        if cluster is not None:
            control.ha = HaFaults(cluster, control.vhost)
        try:
            stack.start(start_timeout)
            yield stack, control
        finally:
            stack.stop()


class ChaosRun:
    def __init__(
        self, settings: Settings, stack: Stack, control: ServerControl, say: Callable[[str], None]
    ) -> None:
        self.settings = settings
        self.stack = stack
        self.control = control
        self.started = time.monotonic()
        self.rng = random.Random(settings.seed)
        self.disruptor = Disruptor(
            stack, control, random.Random(settings.seed + 1), self.say, settings.down_seconds
        )
        self._say = say
        self.placed: dict[str, PlannedOrder] = {}
        self.restocked: Counter[str] = Counter()
        self.report = Report()
        self.urls = Urls(
            stack.url("web"),
            stack.url("payment_service"),
            stack.url("inventory_service"),
            stack.url("shipping_service"),
        )

    def say(self, line: str) -> None:
        self._say(f"[{time.monotonic() - self.started:6.1f}s] {line}")

    async def go(self) -> Report:
        s = self.settings
        self.say(
            f"chaos: {s.orders} orders at {s.rate}/s, seed {s.seed}, "
            f"{'full' if s.full else 'short'} disruptions, {s.servers} servers"
        )
        async with httpx.AsyncClient(timeout=10, headers=self.stack.auth_headers) as http:
            items = await get_json(http, f"{self.urls.inventory}/items")
            initial = {item["sku"]: item["available"] for item in items}
            plan = plan_orders(s.orders, sorted(initial), self.rng)
            await self._send_poison()
            progress = asyncio.create_task(self._progress(http))
            await self._disrupt(http, plan)
            await self._settle(http)
            progress.cancel()
            await asyncio.gather(progress, return_exceptions=True)
            await self._check(http, initial)
        return self.report

    # ---- load ------------------------------------------------------------------------------

    async def _place_burst(self, http: httpx.AsyncClient, burst: list[PlannedOrder]) -> None:
        limit = asyncio.Semaphore(16)

        async def one(planned: PlannedOrder) -> None:
            async with limit:
                order_id = await self._place(http, planned)
            if order_id is not None:
                self.placed[order_id] = planned

        tasks = []
        for planned in burst:
            tasks.append(asyncio.create_task(one(planned)))
            await asyncio.sleep(1 / self.settings.rate)
        await asyncio.gather(*tasks)

    async def _place(self, http: httpx.AsyncClient, planned: PlannedOrder) -> str | None:
        """POST /orders until it is accepted; a retry carries the same Idempotency-Key."""
        deadline = time.monotonic() + self.settings.settle_seconds
        headers = {"Idempotency-Key": planned.idempotency_key}
        while time.monotonic() < deadline:
            try:
                response = await http.post(
                    f"{self.urls.web}/orders", json=planned.body, headers=headers
                )
            except httpx.TransportError:
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 202:
                return str(response.json()["order_id"])
            if response.status_code < 500:
                self.report.violations.append(
                    f"POST /orders answered {response.status_code}: {response.text}"
                )
                return None
            await asyncio.sleep(0.5)
        self.report.violations.append(
            f"an order could not be placed in {self.settings.settle_seconds:.0f}s"
        )
        return None

    async def _restock(self, http: httpx.AsyncClient) -> None:
        """Some units of every product, so that orders keep completing; never so many that an
        out_of_stock order (TOO_MANY units) could be served."""
        for item in await get_json(http, f"{self.urls.inventory}/items"):
            quantity = self.rng.randint(20, 60)
            if item["available"] + quantity >= TOO_MANY // 2:
                continue
            response = await http.post(
                f"{self.urls.inventory}/items/{item['sku']}/restock", json={"quantity": quantity}
            )
            response.raise_for_status()
            self.restocked[item["sku"]] += quantity
        self.say("restocked: " + _counts(self.restocked))

    async def _send_poison(self) -> None:
        connection = await amqp_cluster.connect(self.stack.services["web"].env["AMQP_URL"])
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            for queue, body in POISON:
                await channel.default_exchange.publish(
                    aio_pika.Message(body, message_id="chaos-poison", reply_to="nowhere"),
                    routing_key=queue,
                )
        expected = Counter(f"{queue}.dlq" for queue, _ in POISON)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            queues = await asyncio.to_thread(self.control.queues)
            if all(queues.get(name, (0, 0))[0] >= count for name, count in expected.items()):
                self.say(f"poison messages dead-lettered: {dict(expected)}")
                await self._check_dead_letter_metrics()
                return
            await asyncio.sleep(0.5)
        self.report.violations.append("poison messages did not reach their dead-letter queues")

    async def _check_dead_letter_metrics(self) -> None:
        """Each consumer that dead-lettered a poison message counted it in /metrics."""
        consumers = {
            "payment.commands": "payment_service",
            "inventory.commands": "inventory_service",
            "orchestrator.results": "orchestrator",
        }
        async with httpx.AsyncClient(timeout=10, headers=self.stack.auth_headers) as http:
            for queue, count in Counter(queue for queue, _ in POISON).items():
                url = self.stack.url(consumers[queue])
                metrics = (await http.get(f"{url}/metrics")).text
                line = f'amqp_messages_dead_lettered_total{{queue="{queue}"}} {float(count)}'
                if line not in metrics.splitlines():
                    self.report.violations.append(f"{url}/metrics lacks {line!r}")

    # ---- disruptions -----------------------------------------------------------------------

    def _round(self) -> list[Callable[[], None]]:
        d = self.disruptor
        if self.settings.servers == "ha":
            # The cluster's own faults, each twice, among the process kills.
            return [
                d.start_second_orchestrator,
                d.kill_rabbitmq_leader,
                d.kill_orchestrator,
                d.kill_postgres_primary,
                d.kill_service,
                d.kill_rabbitmq_leader,
                d.kill_orchestrator,
                d.kill_postgres_primary,
                d.kill_second_orchestrator,
            ]
        if not self.settings.full:
            return [
                d.start_second_orchestrator,
                d.kill_orchestrator,
                d.kill_service,
                d.restart_rabbitmq,
                d.restart_postgres,
                d.restart_service_while_postgres_is_down,
                d.restart_service_while_rabbitmq_is_down,
                d.stop_a_server_while_a_service_starts,
                d.kill_second_orchestrator,
            ]
        return [
            d.start_second_orchestrator,
            d.kill_orchestrator,
            d.kill_service,
            d.kill_orchestrator,
            d.restart_rabbitmq,
            d.kill_orchestrator,
            d.restart_postgres,
            d.restart_service_while_postgres_is_down,
            d.restart_service_while_rabbitmq_is_down,
            d.kill_second_orchestrator,
            d.stop_a_server_while_a_service_starts,
            d.kill_orchestrator,
            d.restart_service_while_rabbitmq_is_down,
            d.kill_service,
            d.restart_service_while_postgres_is_down,
            d.stop_a_server_while_a_service_starts,
        ]

    async def _disrupt(self, http: httpx.AsyncClient, plan: list[PlannedOrder]) -> None:
        """Each disruption lands in the middle of a burst of orders, so that work is in flight
        when it hits; a restock after each round."""
        steps = self._round() * self.settings.rounds
        bursts = [plan[i :: len(steps)] for i in range(len(steps))]
        placing = []
        for number, (disruption, burst) in enumerate(zip(steps, bursts, strict=True), 1):
            placing.append(asyncio.create_task(self._place_burst(http, burst)))
            # Early in the burst: most of it is placed while the disruption goes on.
            await asyncio.sleep(self.rng.uniform(0.1, 0.5) * len(burst) / self.settings.rate)
            await asyncio.to_thread(disruption)
            await asyncio.sleep(self.settings.gap)
            if number % len(self._round()) == 0:
                await self._restock(http)
        await asyncio.gather(*placing)
        self.report.violations.extend(self.disruptor.violations)
        self.say("disruptions over: " + _counts(self.disruptor.done))

    # ---- settling and checks ---------------------------------------------------------------

    async def _progress(self, http: httpx.AsyncClient) -> None:
        while True:
            await asyncio.sleep(5)
            statuses = await execution_statuses(http, self.stack)
            shown = _counts(statuses) if statuses is not None else "orchestrators unreachable"
            self.say(f"placed {len(self.placed)}/{self.settings.orders}; executions {shown}")

    async def _settle(self, http: httpx.AsyncClient) -> None:
        quiet = time.monotonic()
        while time.monotonic() - quiet < self.settings.settle_seconds:
            statuses = await execution_statuses(http, self.stack)
            if statuses is not None and statuses["RUNNING"] == 0:
                self.say(
                    f"all orders ended {time.monotonic() - quiet:.1f}s after the last disruption"
                )
                return
            await asyncio.sleep(1)
        self.say(
            f"orders still running {self.settings.settle_seconds:.0f}s after the last disruption"
        )

    async def _check(self, http: httpx.AsyncClient, initial: dict[str, int]) -> None:
        findings = await check_orders(http, self.urls, self.placed)
        items = await get_json(http, f"{self.urls.inventory}/items")
        available = {item["sku"]: item["available"] for item in items}
        violations = findings.violations + check_stock(
            initial, self.restocked, available, findings.held_units
        )
        database_url = self.stack.services["orchestrator"].env["DATABASE_URL"]
        leftovers, figures = await orchestrator_leftovers(database_url)
        violations += leftovers + await self._check_queues()
        self.report.violations.extend(violations)
        lines = [
            f"orders placed: {len(self.placed)} of {self.settings.orders}",
            *(f"  {outcome}: {count}" for outcome, count in sorted(findings.outcomes.items())),
            f"time to finish: {summarize(findings.seconds_to_finish)}",
            "disruptions: " + _counts(self.disruptor.done),
            "restocked: " + _counts(self.restocked),
            "orchestrator: " + ", ".join(f"{k} {v}" for k, v in figures.items()),
            f"violations: {len(self.report.violations)}",
            *(f"  {violation}" for violation in self.report.violations[:50]),
        ]
        self.report.lines = lines
        for line in lines:
            self.say(line)

    async def _check_queues(self) -> list[str]:
        """Queues drain after the orders end (late duplicates may still be in flight)."""
        dead_letters = Counter(f"{queue}.dlq" for queue, _ in POISON)
        deadline = time.monotonic() + 30
        while True:
            problems = check_queues(await asyncio.to_thread(self.control.queues), dead_letters)
            if not problems or time.monotonic() > deadline:
                return problems
            await asyncio.sleep(1)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counter.items())) or "none"
