"""CPU of the orchestrator's lifecycle log lines and metrics per state transition.

`python -m bench.lifecycle_cost [text|json]`: one order's four transitions (start, then three
replies) reported again and again with INFO on (lines written to /dev/null) and off, beside
WriteSet.arguments(), which every transition builds anyway. Best of 7 runs, in microseconds."""

from __future__ import annotations

import json
import logging
import os
import sys
import timeit
from datetime import UTC, datetime
from pathlib import Path

from orchestrator import engine, lifecycle
from orchestrator.engine.api import Decision, ExecutionContext, ExecutionState, TaskSucceeded
from orchestrator.entropy import SecureEntropy
from orchestrator.writes import About, WriteSet
from servicekit.logs import configure_logging

WORKFLOW = Path(__file__).resolve().parents[1] / "orchestrator/workflows/order-fulfillment.asl.json"
ORDER = {
    "order_id": "ord-1",
    "total_cents": 4200,
    "currency": "EUR",
    "payment": {"token": "tok_visa"},
    "items": [{"sku": "book", "quantity": 2}],
    "shipping_address": {"city": "Lyon"},
}


def one_order() -> list[WriteSet]:
    """The writes of an order's four transitions, as the shell folds them."""
    now = datetime.now(UTC)
    machine = engine.parse_definition(json.loads(WORKFLOW.read_text()))
    context = ExecutionContext(
        "order-fulfillment:ord-1", "ord-1", "order-fulfillment", 1, now, ORDER
    )
    entropy = SecureEntropy()
    decisions: list[Decision] = [engine.start(machine, context, ORDER, now=now, entropy=entropy)]
    for _ in range(3):
        (command,) = decisions[-1].commands
        event = TaskSucceeded(command.token, {})
        decisions.append(
            engine.handle(machine, context, decisions[-1].state, event, now=now, entropy=entropy)
        )
    sets = []
    for decision in decisions:
        writes = WriteSet(now)
        execution = writes.execution(context.execution_id, 0, ExecutionState.empty())
        execution.about = About.of("order-fulfillment", "ord-1", None, now)
        execution.add(decision)
        sets.append(writes)
    return sets


def microseconds_per_transition(sets: list[WriteSet], work: str, number: int = 2000) -> float:
    def run() -> None:
        for writes in sets:
            if work == "report":
                lifecycle.report(writes)
            else:
                writes.arguments()

    return min(timeit.repeat(run, number=number, repeat=7)) / (number * len(sets)) * 1e6


def main() -> None:
    log_format = sys.argv[1] if len(sys.argv) > 1 else "text"
    out = sys.stdout
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - where the log lines go, to the end
    configure_logging("INFO", log_format)
    sets = one_order()
    arguments = microseconds_per_transition(sets, "arguments")
    on = microseconds_per_transition(sets, "report")
    logging.getLogger().setLevel(logging.WARNING)
    off = microseconds_per_transition(sets, "report")
    print(f"WriteSet.arguments(), for scale: {arguments:.1f} us per transition", file=out)
    print(f"lifecycle.report, INFO on ({log_format}): {on:.1f} us per transition", file=out)
    print(f"lifecycle.report, INFO off (metrics only): {off:.1f} us per transition", file=out)


if __name__ == "__main__":
    main()
