"""State transitions per second through the orchestrator, beside the broker's own ceiling.

    .venv/bin/python -m bench.transitions --executions 400 --concurrency 64 --orchestrators 1

Starts real orchestrator processes on a fresh database and vhost, registers a workflow of three
Task states, answers every command at once from an in-process echo worker, and counts how fast
executions complete. The baseline, in the same run and with the same concurrency, is the same
three request/reply round trips through RabbitMQ with no orchestrator in between: the ceiling
any orchestrator on this broker and machine stays under. Step Functions Standard's default quota,
for scale, is 800 to 5,000 state transitions per second per account and region.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import asyncpg
import httpx
from aio_pika.abc import AbstractIncomingMessage

from devtools import infra
from devtools.processes import ServiceProcess, free_port
from servicekit.amqp import Broker

QUEUE = "bench.echo"
STEPS = 3
WORKFLOW = {
    "Comment": "Three Tasks answered at once: the orchestrator's own cost per transition.",
    "StartAt": "Step1",
    "States": {
        f"Step{n}": {
            "Type": "Task",
            "Resource": f"rabbitmq:{QUEUE}",
            "Parameters": {"taskToken.$": "$$.Task.Token", "step": n},
            "ResultPath": None,
            **({"End": True} if n == STEPS else {"Next": f"Step{n + 1}"}),
        }
        for n in range(1, STEPS + 1)
    },
}


def progress(label: str, done: int, total: int) -> None:
    print(f"\r{label}: {done}/{total}", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr)


async def echo_worker(amqp_url: str) -> Broker:
    """Answers every command on QUEUE with SUCCEEDED, as a service with no work would."""
    broker = Broker(amqp_url, prefetch=256)
    await broker.connect()

    async def answer(message: AbstractIncomingMessage) -> None:
        assert message.reply_to is not None
        reply: dict[str, object] = {
            "taskToken": message.message_id,
            "status": "SUCCEEDED",
            "output": {},
        }
        await broker.publish(message.reply_to, reply, correlation_id=message.correlation_id)

    await broker.consume(QUEUE, answer)
    return broker


async def run_executions(
    urls: list[str], database_url: str, executions: int, concurrency: int
) -> tuple[float, int]:
    """Start `executions` executions across the orchestrators; seconds until all SUCCEEDED."""
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(timeout=30) as client:

        async def start(index: int) -> None:
            async with gate:
                response = await client.post(
                    f"{urls[index % len(urls)]}/executions",
                    json={
                        "stateMachineName": "bench-three-steps",
                        "name": uuid.uuid4().hex,
                        "input": {"n": index},
                    },
                )
                response.raise_for_status()

        began = time.perf_counter()
        starting = asyncio.gather(*(start(i) for i in range(executions)))
        connection = await asyncpg.connect(database_url)
        try:
            done = 0
            while done < executions:
                await asyncio.sleep(0.1)
                done = await connection.fetchval(
                    "SELECT count(*) FROM orchestrator.executions WHERE status = 'SUCCEEDED'"
                )
                progress("executions", done, executions)
            elapsed = time.perf_counter() - began
            await starting
            transitions = await connection.fetchval(
                "SELECT count(*) FROM orchestrator.history_events WHERE type LIKE '%StateEntered'"
            )
        finally:
            await connection.close()
    return elapsed, int(transitions)


async def broker_ceiling(amqp_url: str, chains: int, concurrency: int) -> float:
    """Seconds for `chains` chains of STEPS request/reply round trips, `concurrency` at once."""
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=256)
        replies = await channel.declare_queue(
            f"bench.replies.{uuid.uuid4().hex}", durable=True, arguments={"x-queue-type": "quorum"}
        )
        waiting: dict[str, asyncio.Future[None]] = {}

        async def on_reply(message: AbstractIncomingMessage) -> None:
            async with message.process():
                future = waiting.pop(json.loads(message.body)["taskToken"], None)
                if future is not None:
                    future.set_result(None)

        await replies.consume(on_reply)
        gate = asyncio.Semaphore(concurrency)

        async def chain() -> None:
            async with gate:
                for _ in range(STEPS):
                    token = uuid.uuid4().hex
                    waiting[token] = asyncio.get_running_loop().create_future()
                    await channel.default_exchange.publish(
                        aio_pika.Message(
                            b"{}",
                            message_id=token,
                            reply_to=replies.name,
                            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        ),
                        routing_key=QUEUE,
                    )
                    await waiting[token]

        began = time.perf_counter()
        await asyncio.gather(*(chain() for _ in range(chains)))
        elapsed = time.perf_counter() - began
        await replies.delete(if_unused=False, if_empty=False)
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--orchestrators", type=int, default=1)
    args = parser.parse_args()
    # Like `make test`: the machine's own servers unless told otherwise.
    os.environ.setdefault("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    with (
        infra.servers() as servers,
        infra.fresh_database(servers.postgres_admin_url) as database_url,
        infra.fresh_vhost(servers) as amqp_url,
        tempfile.TemporaryDirectory() as workdir,
    ):
        workflows = Path(workdir, "workflows")
        workflows.mkdir()
        (workflows / "bench-three-steps.asl.json").write_text(json.dumps(WORKFLOW))
        processes = []
        for n in range(args.orchestrators):
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "AMQP_URL": amqp_url,
                "ORCHESTRATOR_PORT": str(port),
                "WORKFLOWS_DIR": str(workflows),
                "LOG_LEVEL": "WARNING",
            }
            processes.append(
                ServiceProcess("orchestrator", port, env, Path(workdir, f"orchestrator-{n}.log"))
            )
        try:
            for process in processes:
                process.start()
                process.wait_healthy()
            asyncio.run(report(args, [p.url for p in processes], database_url, amqp_url))
        finally:
            for process in processes:
                process.stop()


async def report(
    args: argparse.Namespace, urls: list[str], database_url: str, amqp_url: str
) -> None:
    worker = await echo_worker(amqp_url)
    try:
        ceiling = await broker_ceiling(amqp_url, args.executions, args.concurrency)
        elapsed, transitions = await run_executions(
            urls, database_url, args.executions, args.concurrency
        )
    finally:
        await worker.close()
    round_trips = args.executions * STEPS
    print(
        f"orchestrator x{len(urls)}: {args.executions} executions in {elapsed:.1f}s = "
        f"{args.executions / elapsed:.0f} executions/s, {transitions / elapsed:.0f} state "
        f"transitions/s ({transitions} transitions)"
    )
    print(
        f"broker ceiling: {round_trips} round trips in {ceiling:.1f}s = "
        f"{args.executions / ceiling:.0f} chains of {STEPS}/s, {round_trips / ceiling:.0f} "
        "round trips/s"
    )


if __name__ == "__main__":
    main()
