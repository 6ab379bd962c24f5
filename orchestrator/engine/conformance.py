"""Run the ASL conformance cases through `start` / `handle` on a virtual clock.

    python -m orchestrator.engine.conformance [CASES_DIR] [--write-expectations FILE]
        [--write-history-expectations FILE]

Prints one line per failing case (its name and a short reason), one per case whose history
differs from the one AWS recorded, a per-category breakdown, `histories: N of M identical to
AWS's` and `conformance: N passed, M failed`. Always exits 0: the expectations files say what may
fail. `--write-expectations` / `--write-history-expectations` rewrite them (one `name reason`
line per failing case).
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .api import Decision, Event, ExecutionContext, ExecutionState, HistoryEvent, TimerFired
from .contract import contract_problems, freeze, stored
from .errors import DefinitionError
from .history_compare import history_difference, number_events
from .interpreter import handle, start
from .machine import StateMachine, parse_definition

_REPO = Path(__file__).resolve().parents[2]
# The shared suite beside the checkout when it is there; otherwise the copy kept in the repository
# (tests/conformance/asl-conformance, same files, Apache-2.0 with its NOTICE).
SHARED_DIR = _REPO.parent / "shared" / "asl-conformance" / "cases"
VENDORED_DIR = _REPO / "tests" / "conformance" / "asl-conformance" / "cases"
DEFAULT_DIR = SHARED_DIR if SHARED_DIR.is_dir() else VENDORED_DIR
START = datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC)
MAX_STEPS = 10_000


@dataclass
class CaseEntropy:
    """Deterministic, per-case entropy."""

    seed: str
    n: int = 0

    def _next(self) -> bytes:
        self.n += 1
        return hashlib.sha256(f"{self.seed}:{self.n}".encode()).digest()

    def new_token(self) -> str:
        return self._next().hex()[:32]

    def uniform(self, low: float, high: float) -> float:
        frac = int.from_bytes(self._next()[:8], "big") / 2**64
        return low + (high - low) * frac

    def new_uuid(self) -> str:
        return str(uuid.UUID(bytes=self._next()[:16], version=4))


def load_cases(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]


@dataclass
class CaseResult:
    """How one case ran: `reason` is None when status and output (or error and cause) match
    AWS's; `history` holds every event the engine wrote, in order."""

    reason: str | None
    history: list[HistoryEvent]

    def history_reason(self, case: dict[str, Any]) -> str | None:
        """None when our history is the one AWS recorded (cases without one: always None)."""
        expected = case["expected"].get("history")
        if expected is None:
            return None
        if self.reason is not None:
            return f"the execution itself differs: {self.reason}"
        return history_difference(expected, number_events(self.history))


def run_case(case: dict[str, Any]) -> str | None:
    """None when the engine matches AWS's recorded result, else a short reason."""
    return run_case_full(case).reason


def run_case_full(case: dict[str, Any]) -> CaseResult:
    """Run a case; a crash of the engine is the caller's to report."""
    history: list[HistoryEvent] = []
    reason = _run(case, history)
    return CaseResult(reason, history)


def _run(case: dict[str, Any], history: list[HistoryEvent]) -> str | None:
    try:
        machine = parse_definition(case["definition"])
    except DefinitionError as exc:
        return f"definition rejected: {exc.problems[0]}"
    name = case["name"][-40:]
    # ARNs shaped as AWS's (account 111111111111, as the recordings write it).
    arn = "arn:aws:states:us-east-1:111111111111:{}:conformance"
    ctx = ExecutionContext(
        f"{arn.format('execution')}:{name}",
        name,
        "conformance",
        1,
        START,
        case["input"],
        state_machine_arn=arn.format("stateMachine"),
    )
    entropy = CaseEntropy(case["name"])
    now = START
    empty = ExecutionState.empty()
    decision = start(machine, ctx, case["input"], now=now, entropy=entropy)
    history += decision.history
    if problems := contract_problems(empty, freeze(empty), decision):
        return f"broke the parts contract: {problems[0]}"
    state = stored(empty, decision)
    pending: dict[str, datetime] = {}
    for _ in range(MAX_STEPS):
        if decision.outcome is not None:
            break
        if decision.commands:
            return "issued a Task command (cases have no Task states)"
        _track(pending, decision)
        if not pending:
            return "execution is stuck: RUNNING with nothing to wait for"
        timer_id = min(pending, key=lambda t: (pending[t], t))
        now = max(now, pending.pop(timer_id))
        reason, decision = _step(machine, ctx, state, decision, TimerFired(timer_id), now, entropy)
        if reason:
            return reason
        history += decision.history
        state = stored(state, decision)
    else:
        return "did not finish"
    return _compare(case["expected"], decision)


def _step(
    machine: StateMachine,
    ctx: ExecutionContext,
    state: ExecutionState,
    previous: Decision,
    event: Event,
    now: datetime,
    entropy: CaseEntropy,
) -> tuple[str | None, Decision]:
    """Handle `event` on the state as the shell stored it, checking the parts contract, and on
    the previous decision's in-memory state too: both must decide alike."""
    in_memory = previous.state
    memory_snapshot = freeze(in_memory)
    twin = handle(machine, ctx, in_memory, event, now=now, entropy=copy.deepcopy(entropy))
    snapshot = freeze(state)
    decision = handle(machine, ctx, state, event, now=now, entropy=entropy)
    problems = contract_problems(state, snapshot, decision)
    problems += contract_problems(in_memory, memory_snapshot, twin)
    if problems:
        return f"broke the parts contract: {problems[0]}", decision
    if twin != decision:
        return "the in-memory state and the stored one decided differently", decision
    return None, decision


def _track(pending: dict[str, datetime], decision: Decision) -> None:
    for timer_id in decision.cancel_timers:
        pending.pop(timer_id, None)
    for timer in decision.timers:
        pending[timer.timer_id] = timer.due_at


def _compare(expected: dict[str, Any], decision: Decision) -> str | None:
    outcome = decision.outcome
    assert outcome is not None
    if outcome.status != expected["status"]:
        detail = f" ({outcome.error}: {_short(outcome.cause)})" if outcome.error else ""
        return f"status {outcome.status}{detail}, expected {expected['status']}"
    if outcome.status == "SUCCEEDED":
        if not json_equal(outcome.output, expected.get("output")):
            return (
                f"output {_short(json.dumps(outcome.output))} != expected "
                f"{_short(json.dumps(expected.get('output')))}"
            )
        return None
    if outcome.status == "FAILED":
        if outcome.error != expected.get("error"):
            return f"error {outcome.error!r} != expected {expected.get('error')!r}"
        if not expected.get("cause_redacted") and (outcome.cause or None) != (
            expected.get("cause") or None
        ):
            return f"cause {_short(outcome.cause)!r} != expected {_short(expected.get('cause'))!r}"
    return None


def json_equal(a: Any, b: Any) -> bool:
    """Equality of parsed JSON: 1 == 1.0, but true != 1; key order ignored."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _short(text: str | None, limit: int = 160) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def query_language(case: dict[str, Any]) -> str:
    return "JSONata" if "JSONata" in case.get("query_language", []) else "JSONPath"


def read_expectations(path: Path) -> dict[str, str]:
    """`name reason...` lines (blank lines and `#` comments skipped) -> {name: reason}."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            out[name] = reason.strip() or "known gap"
    return out


def _option(args: list[str], flag: str) -> Path | None:
    """Remove `flag FILE` from `args`; the FILE, if the flag was there."""
    if flag not in args:
        return None
    i = args.index(flag)
    value = Path(args[i + 1])
    del args[i : i + 2]
    return value


def main(argv: list[str]) -> int:
    args = list(argv)
    write_to = _option(args, "--write-expectations")
    write_history_to = _option(args, "--write-history-expectations")
    directory = Path(args[0]) if args else DEFAULT_DIR
    failures: list[tuple[str, str]] = []
    history_failures: list[tuple[str, str]] = []
    passed = failed = recorded = 0
    by_category: Counter[tuple[str, bool]] = Counter()
    by_language: Counter[tuple[str, bool]] = Counter()
    for case in load_cases(directory):
        history_reason: str | None = None
        try:
            result = run_case_full(case)
            reason, history_reason = result.reason, result.history_reason(case)
        except Exception as exc:  # a crash is a failing case, reported like any other
            reason = f"engine crashed: {type(exc).__name__}: {_short(str(exc))}"
            history_reason = reason
        if "history" in case["expected"]:
            recorded += 1
            if history_reason is not None:
                history_failures.append((case["name"], history_reason))
        ok = reason is None
        by_category[(case.get("category", "?"), ok)] += 1
        by_language[(query_language(case), ok)] += 1
        if ok:
            passed += 1
        else:
            failed += 1
            failures.append((case["name"], str(reason)))
            print(f"{case['name']}: {reason}")
    for name, reason in history_failures:
        print(f"{name}: history: {reason}")
    for label, counter in (("category", by_category), ("language", by_language)):
        names = sorted({k for k, _ in counter})
        parts = [
            f"{n} {counter[(n, True)]}/{counter[(n, True)] + counter[(n, False)]}" for n in names
        ]
        print(f"by {label}: " + ", ".join(parts))
    identical = recorded - len(history_failures)
    print(f"histories: {identical} of {recorded} identical to AWS's")
    print(f"conformance: {passed} passed, {failed} failed")
    if write_to is not None:
        _write_expectations(write_to, EXPECTATIONS_HEADER, failures)
    if write_history_to is not None:
        _write_expectations(write_history_to, HISTORY_EXPECTATIONS_HEADER, history_failures)
    return 0


def _write_expectations(path: Path, header: str, failures: list[tuple[str, str]]) -> None:
    lines = [header] + [f"{n} {r}".replace("\n", " ") for n, r in failures]
    path.write_text("\n".join(lines) + "\n")


EXPECTATIONS_HEADER = """\
# Conformance cases the engine is known not to pass yet: `<case name> <reason>` per line.
# tests/conformance/test_conformance.py marks each as xfail(strict=True): fixing one means
# deleting its line. Regenerate with:
#   python -m orchestrator.engine.conformance --write-expectations conformance-expectations.txt"""


HISTORY_EXPECTATIONS_HEADER = """\
# Conformance cases whose history differs from the one AWS recorded: `<case name> <reason>` per
# line. tests/conformance/test_conformance.py marks each as xfail(strict=True): fixing one means
# deleting its line. `python -m orchestrator.engine.conformance --write-history-expectations FILE`
# writes each differing case with its first difference; the reasons here were written from those."""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
