"""Every operation of every service's OpenAPI document, fuzzed with schemathesis (valid and
invalid requests, NULs and all, tests/fuzz/fuzzer.py): never a 5xx, and every answer true to
the document (status, content type, body, headers)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from devtools.processes import SERVICES, Stack
from tests.e2e.orders import order_request, place, stocked_product, wait_finished
from tests.fuzz.fuzzer import HEADERS, Report, fuzz, load

pytestmark = pytest.mark.e2e


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="package")
def known(stack: Stack) -> dict[str, str]:
    """Path parameters that name something there is: a state machine of the test's own (one
    fuzzed requests may change), an execution of it that has ended, an order, a sku."""
    with httpx.Client(base_url=stack.url("orchestrator"), timeout=10, headers=HEADERS) as api:
        machine = f"fuzz-{uuid.uuid4().hex[:8]}"
        registered = api.put(f"/state-machines/{machine}", json={"definition": PASS})
        assert registered.status_code == 201, registered.text
        started = api.post("/executions", json={"stateMachineName": machine, "name": "known"})
        assert started.status_code == 201, started.text
        execution_id = started.json()["executionId"]
    with httpx.Client(base_url=stack.url("web"), timeout=10, headers=HEADERS) as web:
        product = stocked_product(web)
        order_id = place(web, order_request(product["sku"]))
        wait_finished(web, order_id)  # its execution ended: its event stream ends too
    return {
        "name": machine,
        "execution_id": execution_id,
        "order_id": order_id,
        "sku": str(product["sku"]),
    }


@pytest.mark.parametrize("package", SERVICES)
def test_every_operation_answers_4xx_or_better_and_as_documented(
    stack: Stack, known: dict[str, str], package: str
) -> None:
    report = Report()
    fuzz(load(stack.url(package)), report, known)
    print(f"{package}: {report.requests} requests fuzzed, answered {dict(report.statuses)}")
    assert not report.failures, f"{len(report.failures)} failure(s):\n" + "\n".join(report.failures)
