"""A slice of the recorded AWS executions (../shared/asl-conformance) run end to end through
boto3: CreateStateMachine, StartExecution, DescribeExecution until it closes, and the status,
output, error and cause compared with what AWS recorded; where AWS's history was recorded
(`expected.history`), the whole GetExecutionHistory (paged by boto3) is compared with it as the
engine's conformance run compares its own (orchestrator.engine.history_compare), save the cases
history-expectations.txt lists. The module ends by printing how many were identical.

The slice: cases without a Wait state of more than a few literal seconds (they would wait in
real time here; the recorded ones with a path or an expression wait a second or two, or fail)
and without the context object (`$$` holds this run's ARNs and names, not the recorded ones),
taken in turn from each category so that every kind of state is in it.
`AWS_CONFORMANCE_SLICE=<n>` runs n of them (`all`: every eligible case)."""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from orchestrator.engine.conformance import DEFAULT_DIR, json_equal, load_cases, read_expectations
from orchestrator.engine.history_compare import history_difference
from tests.e2e.aws_api.conftest import ACCOUNT, unique

pytestmark = pytest.mark.e2e
DEFAULT_SLICE = "24"
EXPECTATIONS = Path(__file__).resolve().parents[3] / "conformance-expectations.txt"
HISTORY_EXPECTATIONS = EXPECTATIONS.with_name("history-expectations.txt")
KNOWN_HISTORY_GAPS = read_expectations(HISTORY_EXPECTATIONS)


LONGEST_WAIT_SECONDS = 3


def waits_long(node: Any) -> bool:
    """Whether a Wait state in the definition waits longer than LONGEST_WAIT_SECONDS literally."""
    if isinstance(node, list):
        return any(waits_long(item) for item in node)
    if not isinstance(node, dict):
        return False
    seconds = node.get("Seconds") if node.get("Type") == "Wait" else None
    if isinstance(seconds, int | float) and seconds > LONGEST_WAIT_SECONDS:
        return True
    return any(waits_long(value) for value in node.values())


def slice_of_cases() -> list[dict[str, Any]]:
    if not DEFAULT_DIR.is_dir():
        return []
    known_gaps = read_expectations(EXPECTATIONS)
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in sorted(load_cases(DEFAULT_DIR), key=lambda c: c["name"]):
        text = json.dumps(case["definition"])
        if waits_long(case["definition"]) or "$$" in text or "$states.context" in text:
            continue
        if case["name"] in known_gaps or case["category"] in ("express", "context_object"):
            continue
        by_category[case["category"]].append(case)
    wanted = os.environ.get("AWS_CONFORMANCE_SLICE", DEFAULT_SLICE)
    size = sum(map(len, by_category.values())) if wanted == "all" else int(wanted)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < size and any(by_category.values()):
        for cases in by_category.values():
            if cases and len(chosen) < size:
                chosen.append(cases.pop(0))
    return chosen


CASES = slice_of_cases()
# Case name -> None (identical to AWS's history) or the first difference.
HISTORIES: dict[str, str | None] = {}


def history_figure() -> str | None:
    """`histories through boto3: N of M identical to AWS's`, once any was compared (the
    package's conftest prints it in pytest's summary)."""
    if not HISTORIES:
        return None
    identical = sum(1 for difference in HISTORIES.values() if difference is None)
    return f"histories through boto3: {identical} of {len(HISTORIES)} identical to AWS's"


def history_through_boto3(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """GetExecutionHistory in pages, as the recordings hold it (their timestamps are masked)."""
    events = []
    for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=execution_arn, PaginationConfig={"PageSize": 25}
    ):
        events += page["events"]
    return [{**event, "timestamp": "timestamp"} for event in events]


@pytest.mark.skipif(not CASES, reason=f"no conformance cases at {DEFAULT_DIR}")
@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in CASES])
def test_case_through_boto3(sfn: Any, case: dict[str, Any]) -> None:
    arn = sfn.create_state_machine(
        name=unique("conf"),
        definition=json.dumps(case["definition"]),
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/conformance",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(case["input"]))
    deadline = time.monotonic() + 20
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))[
        "status"
    ] == "RUNNING":
        assert time.monotonic() < deadline, "still RUNNING after 20 s"
        time.sleep(0.05)

    expected = case["expected"]
    assert described["status"] == expected["status"], described
    if expected["status"] == "SUCCEEDED":
        assert json_equal(json.loads(described["output"]), expected.get("output"))
    elif expected["status"] == "FAILED":
        assert described.get("error") == expected.get("error")
        if not expected.get("cause_redacted"):
            assert (described.get("cause") or None) == (expected.get("cause") or None)
    history = history_through_boto3(sfn, execution["executionArn"])
    assert history[0]["type"] == "ExecutionStarted"
    assert history[-1]["type"] == f"Execution{expected['status'].title().replace('_', '')}"
    if "history" in expected:
        difference = history_difference(expected["history"], history)
        HISTORIES[case["name"]] = difference
        if case["name"] not in KNOWN_HISTORY_GAPS:
            assert difference is None, difference
