"""What one Map iteration's reply costs the engine as the Map grows (pure engine, no servers).

    .venv/bin/python -m bench.map_scaling [--sizes 1000 10000] [--concurrency 0 40] [--limit K]

Starts a Map over N items whose item processor is one Task, answers every command with
TaskSucceeded, and keeps the state as a shell would: only the decision's changed parts go
through JSON (the database) and are applied to the previous state. Prints, per run, the CPU
time per reply (the engine plus that bookkeeping), how many parts one item's reply touches,
the largest it writes and the bytes written per reply; the reply that ends the Map, which
writes the Map's output (all N results) once, is shown apart.
`--limit K` stops after K replies (the old engine is quadratic: 10,000 items take hours).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestrator.engine import (
    Decision,
    ExecutionContext,
    ExecutionState,
    TaskCommand,
    TaskSucceeded,
    handle,
    parse_definition,
    start,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class CountingEntropy:
    n: int = 0

    def new_token(self) -> str:
        self.n += 1
        return f"token-{self.n}"

    def uniform(self, low: float, high: float) -> float:
        return (low + high) / 2

    def new_uuid(self) -> str:
        self.n += 1
        return str(uuid.UUID(int=self.n))


def definition(concurrency: int) -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": concurrency,
                "ItemProcessor": {
                    "StartAt": "Work",
                    "States": {"Work": {"Type": "Task", "Resource": "rabbitmq:work", "End": True}},
                },
                "End": True,
            }
        },
    }


@dataclass
class Written:
    """What one reply's decision writes: parts touched, the largest one, bytes in all."""

    parts: int
    largest: int
    total: int


def stored(previous: ExecutionState, decision: Decision) -> tuple[ExecutionState, Written]:
    """The next state as the shell rebuilds it, and what the decision made it write."""
    changed = getattr(decision, "changed_parts", None)
    if changed is None:  # the engine before named parts: one JSON document rewritten whole
        text = json.dumps(decision.state.data)  # type: ignore[attr-defined]
        return ExecutionState(json.loads(text)), Written(1, len(text), len(text))
    texts = {key: json.dumps(value) for key, value in changed.items()}
    sizes = [len(t) for t in texts.values()]
    loaded = {key: json.loads(t) for key, t in texts.items()}
    written = Written(len(texts) + len(decision.removed_parts), max(sizes, default=0), sum(sizes))
    return previous.updated(loaded, decision.removed_parts), written


def run(size: int, concurrency: int, limit: int | None) -> tuple[float, str]:
    """One execution: (seconds per reply, what the replies wrote)."""
    machine = parse_definition(definition(concurrency))
    items = [{"index": i, "payload": "x" * 40} for i in range(size)]
    ctx = ExecutionContext("exec-1", "exec-1", "bench", 1, NOW, items)
    entropy = CountingEntropy()
    decision = start(machine, ctx, items, now=NOW, entropy=entropy)
    empty = getattr(ExecutionState, "empty", None)
    state, _ = stored(empty() if empty else ExecutionState({}), decision)
    waiting: deque[TaskCommand] = deque(decision.commands)
    per_item: list[Written] = []
    last = Written(0, 0, 0)
    began = time.process_time()  # CPU time: the machine may be busy with other work
    while waiting and (limit is None or len(per_item) < limit):
        command = waiting.popleft()
        event = TaskSucceeded(command.token, {"done": command.payload["index"]})
        decision = handle(machine, ctx, state, event, now=NOW, entropy=entropy)
        state, written = stored(state, decision)
        per_item.append(written)
        waiting.extend(decision.commands)
    elapsed = time.process_time() - began
    replies = len(per_item)
    if decision.outcome is not None:  # the reply that ended the Map writes its N results once
        last = per_item.pop()
    note = "" if decision.outcome is not None else " (stopped early)"
    return elapsed / replies, (
        f"{replies} replies{note}; per item reply: at most "
        f"{max(w.parts for w in per_item)} parts touched, largest part "
        f"{max(w.largest for w in per_item)} bytes, "
        f"{sum(w.total for w in per_item) / len(per_item):.0f} bytes written on average"
        + (f"; the last reply: largest part {last.largest} bytes" if last.parts else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[0, 40])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="report the fastest of these runs")
    args = parser.parse_args()
    for concurrency in args.concurrency:
        for size in args.sizes:
            runs = [run(size, concurrency, args.limit) for _ in range(args.repeat)]
            seconds, wrote = min(runs)
            print(
                f"N={size:>6} MaxConcurrency={concurrency:>3}: {seconds * 1e6:7.1f} us per reply"
                f" (best of {args.repeat}), {wrote}"
            )


if __name__ == "__main__":
    main()
