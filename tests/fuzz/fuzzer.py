"""Fuzzing one service's OpenAPI with schemathesis: each operation gets a fixed number of
requests, valid and invalid, generated deterministically (Hypothesis derandomized), and every
answer is checked. Failures are collected, not shrunk (shrinking would replay requests against
a live stack for minutes), and reported together."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_token import AUTH_HEADERS

# Every request carries these headers: one place for what every request needs. The API token
# (the fuzzed stack runs with tests.api_token's): fuzzing reaches past the authentication, which
# tests/e2e/test_auth.py checks on its own.
HEADERS: dict[str, str] = dict(AUTH_HEADERS)
# Requests per operation and mode (valid, invalid): enough to find what broke before, and the
# whole stack's ~35 operations in well under two minutes.
EXAMPLES = 15
TIMEOUT_SECONDS = 10

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@dataclass
class Report:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def load(base_url: str) -> BaseSchema:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", headers=HEADERS)
    schema.config.update(base_url=base_url, headers=HEADERS, request_timeout=TIMEOUT_SECONDS)
    return schema


def fuzz(schema: BaseSchema, report: Report, known: dict[str, str] | None = None) -> None:
    """Every operation, with valid and invalid requests. Random path parameters name nothing
    there is (a 404), so an operation whose path parameters are all in `known` (the id of an
    execution that exists, say) gets valid requests with those too, to check its 2xx."""
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, report)
        names = [parameter.name for parameter in operation.path_parameters]
        if names and known and all(name in known for name in names):
            path = {name: known[name] for name in names}
            _fuzz_operation(operation, GenerationMode.POSITIVE, report, path)


def _fuzz_operation(
    operation: APIOperation,
    mode: GenerationMode,
    report: Report,
    path_parameters: dict[str, str] | None = None,
) -> None:
    seen: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
    def run(case: Case) -> None:
        _send(case, mode.value, report, seen)
        if mode is GenerationMode.POSITIVE and _has_text(case):
            # schemathesis seldom draws a NUL (and never in a path): each valid request is sent
            # again with one after every string of its query and body, text Postgres refuses.
            probe = case.derive(query=_with_nul(case.query))
            probe.body = _with_nul(case.body)
            _send(probe, "NUL added", report, seen)

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to send wrong (GET /healthz)


def _send(case: Case, label: str, report: Report, seen: set[str]) -> None:
    report.requests += 1
    try:
        response = case.call(headers=HEADERS, timeout=TIMEOUT_SECONDS)
        report.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=HEADERS)
    except (Exception, BaseExceptionGroup) as exc:  # one line per kind, and how to repeat it
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if first_line not in seen:
            seen.add(first_line)
            report.failures.append(
                f"{case.operation.label} ({label}): {first_line}\n"
                f"    {case.as_curl_command(headers=HEADERS)}\n" + _indented(str(exc))
            )


def _with_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {key: _with_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_nul(item) for item in value]
    return value


def _has_text(case: Case) -> bool:
    return _with_nul(case.query) != case.query or _with_nul(case.body) != case.body


def _indented(text: str, lines: int = 12) -> str:
    return "\n".join("    " + line for line in text.splitlines()[:lines])
