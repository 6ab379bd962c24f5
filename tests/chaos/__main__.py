"""`python -m tests.chaos [--orders N]`: the chaos run on a fresh database and vhost.

Uses the servers `TEST_POSTGRES_URL` / `TEST_AMQP_URL` name (or testcontainers, like the tests).
Prints what it does and what it finds; exits 1 on any violation."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from devtools import infra
from tests.chaos.run import Settings, run
from tests.chaos.servers import RESTART_POLICIES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5.0, help="orders per second in a burst")
    parser.add_argument("--gap", type=float, default=1.0, help="calm seconds after a disruption")
    parser.add_argument("--short", action="store_true", help="the short round of disruptions")
    parser.add_argument("--rounds", type=int, help="rounds of disruptions (default: 1 per 250)")
    parser.add_argument("--seed", type=int, default=random.randrange(1_000_000))
    parser.add_argument("--down", type=float, default=3.0, help="seconds a server stays down")
    parser.add_argument("--settle", type=float, default=150.0, help="seconds orders may take")
    parser.add_argument(
        "--server-restarts",
        choices=RESTART_POLICIES,
        default="auto",
        help="restart RabbitMQ and Postgres (auto: only if no other test run uses them)",
    )
    parser.add_argument("--log-dir", type=Path, help="where the services' logs go")
    args = parser.parse_args(argv)
    settings = Settings(
        orders=args.orders,
        rate=args.rate,
        gap=args.gap,
        full=not args.short,
        rounds=args.rounds or max(1, round(args.orders / 250)),
        settle_seconds=args.settle,
        seed=args.seed,
        down_seconds=args.down,
        server_restarts=args.server_restarts,
    )
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="chaos-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    with infra.servers() as servers:
        report = run(settings, servers, log_dir, lambda line: print(line, flush=True))
    print(f"service logs: {log_dir}")
    print("chaos: OK" if report.ok else f"chaos: {len(report.violations)} VIOLATION(S)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
