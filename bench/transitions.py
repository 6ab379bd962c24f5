"""State transitions per second through the orchestrator, beside the ceiling: `make bench`'s
engine phase and its baseline (a) alone.

    .venv/bin/python -m bench.transitions --executions 600 --concurrency 64 [--orchestrators N]

Same as `python -m bench --parts ceiling,engine --chains <executions> ...` (which it runs): a
fresh database and vhost per phase, real orchestrator processes, results in bench/results/.
See bench/README.md."""

from __future__ import annotations

import argparse

from bench.__main__ import main as bench_main


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--executions", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--orchestrators", type=int, default=1)
    args = parser.parse_args()
    bench_main(
        [
            "--parts=ceiling,engine",
            f"--executions={args.executions}",
            f"--chains={args.executions}",
            f"--concurrency={args.concurrency}",
            f"--orchestrators={args.orchestrators}",
        ]
    )


if __name__ == "__main__":
    main()
