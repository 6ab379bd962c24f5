"""`python -m tests.chaos [--orders N]`: the chaos run on a fresh database and vhost.

Starts a private Postgres and RabbitMQ node of its own and restarts those; `--servers shared`
runs on the servers `TEST_POSTGRES_URL` / `TEST_AMQP_URL` name (or testcontainers, like the
tests) and never stops them. Prints what it does and what it finds; exits 1 on any violation."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from devtools import infra
from tests.chaos.run import Settings, run
from tests.chaos.servers import SERVER_CHOICES


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
        "--servers",
        choices=SERVER_CHOICES,
        default="private",
        help="private: start a Postgres and RabbitMQ node to break; shared: drop connections only",
    )
    parser.add_argument(
        "--ha",
        action="store_const",
        const="ha",
        dest="servers",
        help="on a 3-node RabbitMQ cluster and a Postgres primary with a standby "
        "(same as --servers ha): kills the queues' leader node and the primary",
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
        servers=args.servers,
    )
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="chaos-"))
    log_dir.mkdir(parents=True, exist_ok=True)

    def say(line: str) -> None:
        print(line, flush=True)

    if args.servers == "shared":
        with infra.servers() as shared:
            report = run(settings, log_dir, say, shared)
    else:
        report = run(settings, log_dir, say)
    print(f"service logs: {log_dir}")
    print("chaos: OK" if report.ok else f"chaos: {len(report.violations)} VIOLATION(S)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
