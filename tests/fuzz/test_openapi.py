"""Every operation of every service's OpenAPI document, fuzzed with schemathesis (valid and
invalid requests, NULs and all, tests/fuzz/fuzzer.py): never a 5xx, and every answer true to
the document (status, content type, body, headers)."""

from __future__ import annotations

import pytest

from devtools.processes import SERVICES, Stack
from tests.fuzz.fuzzer import Report, fuzz, load

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("package", SERVICES)
def test_every_operation_answers_4xx_or_better_and_as_documented(
    stack: Stack, package: str
) -> None:
    report = Report()
    fuzz(load(stack.url(package)), report)
    print(f"{package}: {report.requests} requests fuzzed, answered {dict(report.statuses)}")
    assert not report.failures, f"{len(report.failures)} failure(s):\n" + "\n".join(report.failures)
