"""What one service command's database work costs, three ways, in turn on one fresh database.

    .venv/bin/python -m bench.command_cost [--commands 1000] [--rounds 5]

payment's ChargePayment, each with a new order, through `servicekit.inbox.CommandWorker.process`
(no broker: the reply is not published), one command at a time:

- `one statement`: as shipped, the plan's statement with the inbox row, on its own (one round
  trip);
- `in a transaction`: the same statement between BEGIN and COMMIT (three), as a hold ran
  until it too became atomic on its own;
- `handler`: no plan, the handler's path (six: BEGIN, claim the inbox row, look for the order's
  payment, insert it, record the reply, COMMIT).

Per round and side: wall and client (this process's) CPU ms per command. The database's own CPU
is not counted here; `make bench`'s store phase counts it.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import uuid
from pathlib import Path

import uvloop

import payment_service
from bench.env import servers
from devtools.infra import fresh_database
from payment_service.handlers import dispatch
from payment_service.tables import SCHEMA, inbox
from servicekit.db import upgrade_schema
from servicekit.inbox import CommandWorker, OneStatement, no_plan
from servicekit.messages import Command
from servicekit.pg import open_pool

WARM_UP = 200


def charge() -> Command:
    token = uuid.uuid4().hex
    body = {
        "type": "ChargePayment",
        "taskToken": token,
        "order_id": str(uuid.uuid4()),
        "amount_cents": 4200,
        "currency": "USD",
        "payment_token": "tok_visa",
    }
    return Command("ChargePayment", token, "orchestrator.results", "bench", body)


def in_a_transaction(command: Command) -> OneStatement | None:
    plan = dispatch.plan(command)
    return None if plan is None else dataclasses.replace(plan, needs_transaction=True)


Timings = dict[str, list[tuple[float, float]]]


async def measure(database_url: str, commands: int, rounds: int) -> Timings:
    await upgrade_schema(database_url, Path(payment_service.__file__).parent / "migrations", SCHEMA)
    pool = await open_pool(database_url, size=2)
    plans = {
        "one statement": dispatch.plan,
        "in a transaction": in_a_transaction,
        "handler": no_plan,
    }
    # No broker: process() does not publish.
    sides = {
        name: CommandWorker(None, pool, inbox, dispatch, plan=plan)  # type: ignore[arg-type]
        for name, plan in plans.items()
    }
    results: Timings = {name: [] for name in sides}
    try:
        for worker in sides.values():  # every statement prepared on both connections
            for _ in range(WARM_UP):
                await worker.process(charge())
        for round_ in range(1, rounds + 1):
            for name, worker in sides.items():
                wall, cpu = time.perf_counter(), time.process_time()
                for _ in range(commands):
                    await worker.process(charge())
                per_command = (
                    1e3 * (time.perf_counter() - wall) / commands,
                    1e3 * (time.process_time() - cpu) / commands,
                )
                results[name].append(per_command)
                wall_ms, cpu_ms = per_command
                print(
                    f"round {round_}/{rounds} {name:16s} wall {wall_ms:.3f} ms, "
                    f"client CPU {cpu_ms:.3f} ms",
                    flush=True,
                )
    finally:
        await pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=1000, help="per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with servers() as found, fresh_database(found.postgres_admin_url, prefix="bench") as url:
        results = uvloop.run(measure(url, args.commands, args.rounds))
    print("\nms per command, each round (wall / client CPU):")
    for name, rows in results.items():
        walls = " ".join(f"{wall:.3f}" for wall, _ in rows)
        cpus = " ".join(f"{cpu:.3f}" for _, cpu in rows)
        print(f"{name:16s} wall {walls} | client CPU {cpus}")


if __name__ == "__main__":
    main()
