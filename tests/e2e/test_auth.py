"""Who may call what, on the running stack: every operation of every service's OpenAPI document
without a token, with a wrong one and with the right one; the routes outside the documents; the
console's session and its protection against cross-site requests; the forged-charge attack.

The public routes are listed here, from the issue, not read from the services: an operation
that a service forgets to protect fails this test."""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devtools.processes import SERVICES, Stack

from .browser import console_flows as flows

# (package, method, path template) that anyone may call, beside every service's own
# /healthz, /metrics and OpenAPI pages.
PUBLIC = {
    ("web", "GET", "/products"),
    ("web", "POST", "/orders"),
    ("web", "GET", "/orders/{order_id}"),
}
EVERY_SERVICE_PUBLIC = {("GET", "/healthz"), ("GET", "/metrics")}
WRONG_TOKEN = {"Authorization": "Bearer " + "x" * 43}


def operations(stack: Stack) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(package, METHOD, path template, operation) of every operation the services document."""
    found = []
    for package in SERVICES:
        document = httpx.get(f"{stack.url(package)}/openapi.json").json()
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                found.append((package, method.upper(), path, operation))
    return found


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The template with its parameters filled in (a uuid where one is asked for)."""
    formats = {
        p["name"]: p.get("schema", {}).get("format")
        for p in operation.get("parameters", [])
        if p.get("in") == "path"
    }
    return re.sub(
        r"\{([^}]+)\}",
        lambda m: str(uuid.uuid4()) if formats.get(m.group(1)) == "uuid" else "no-such-thing",
        path,
    )


def call(stack: Stack, package: str, method: str, path: str, headers: dict[str, str]) -> int:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    answer = httpx.request(
        method, f"{stack.url(package)}{path}", headers=headers, timeout=10, json=body
    )
    if answer.status_code == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer"), answer.headers
        assert answer.headers["content-type"] == "application/problem+json"
    return answer.status_code


def test_every_documented_operation_needs_the_token_unless_it_is_public(stack: Stack) -> None:
    found = operations(stack)
    assert len(found) > 25, "the services' OpenAPI documents list too few operations"
    checked = {"protected": 0, "public": 0}
    for package, method, template, operation in found:
        path = concrete(template, operation)
        public = (package, method, template) in PUBLIC or (method, template) in EVERY_SERVICE_PUBLIC
        without = call(stack, package, method, path, {})
        wrong = call(stack, package, method, path, WRONG_TOKEN)
        right = call(stack, package, method, path, stack.auth_headers)
        where = f"{package} {method} {template}"
        if public:
            checked["public"] += 1
            assert without != 401 and wrong != 401, where
            assert "security" not in operation, f"{where} is public but documented as protected"
        else:
            checked["protected"] += 1
            assert (without, wrong) == (401, 401), f"{where}: {without}, {wrong}"
            assert operation.get("security") == [{"apiToken": []}], where
            assert "401" in operation["responses"], where
        assert right not in (401, 403), f"{where} refused the right token: {right}"
    assert checked["public"] == len(PUBLIC) + len(EVERY_SERVICE_PUBLIC) * len(SERVICES)
    assert checked["protected"] > 20


@pytest.mark.parametrize(
    ("package", "method", "path", "public"),
    [
        ("orchestrator", "GET", "/console", False),
        ("orchestrator", "GET", "/console/executions/x", False),
        ("orchestrator", "GET", "/console/state-machines/x", False),
        ("orchestrator", "GET", "/console/sign-in", True),
        ("orchestrator", "GET", "/console/static/console.css", True),
        ("orchestrator", "GET", "/docs", True),
        ("orchestrator", "GET", "/openapi.json", True),
        ("shipping_service", "GET", "/openapi.json", True),
        ("web", "GET", "/shop", True),
        ("web", "GET", "/", True),
        ("web", "GET", "/shop/assets/shop.css", True),
        ("web", "GET", "/orders", False),
        ("payment_service", "GET", "/docs", True),
    ],
)
def test_routes_outside_the_documents(
    stack: Stack, package: str, method: str, path: str, public: bool
) -> None:
    status = call(stack, package, method, path, {})
    if public:
        assert status == 200, status
    else:
        assert status == 401, status
        assert call(stack, package, method, path, stack.auth_headers) == 200


def test_a_browser_without_a_session_is_sent_to_sign_in(stack: Stack) -> None:
    answer = httpx.get(
        f"{stack.url('orchestrator')}/console/executions/abc?x=1",
        headers={"Accept": "text/html"},
    )
    assert answer.status_code == 303
    assert (
        answer.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fexecutions%2Fabc%3Fx%3D1"
    )


def test_the_aws_api_answers_unsigned_requests_as_aws_does(stack: Stack) -> None:
    # Not the bearer token's business: Signature Version 4 guards POST / (aws_api.sigv4).
    answer = httpx.post(
        stack.url("orchestrator") + "/",
        headers={
            "X-Amz-Target": "AWSStepFunctions.ListStateMachines",
            "Content-Type": "application/x-amz-json-1.0",
        },
        content=b"{}",
    )
    assert answer.status_code in (400, 403), answer.text
    assert answer.json()["__type"].endswith(
        ("UnrecognizedClientException", "MissingAuthenticationTokenException")
    )


# ---- the console's session -------------------------------------------------------------------


@contextlib.contextmanager
def signed_in(stack: Stack) -> Iterator[httpx.Client]:
    """A browser's view: no token, the session cookies from signing in."""
    with httpx.Client(base_url=stack.url("orchestrator"), timeout=10) as client:
        answer = client.post("/console/session", json={"token": stack.api_token})
        assert answer.status_code == 204, answer.text
        yield client


def test_sign_in_refuses_a_wrong_token_and_sets_strict_http_only_cookies(stack: Stack) -> None:
    url = stack.url("orchestrator")
    wrong = httpx.post(f"{url}/console/session", json={"token": "y" * 43})
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
    right = httpx.post(f"{url}/console/session", json={"token": stack.api_token})
    cookies = {c.split("=", 1)[0]: c.lower() for c in right.headers.get_list("set-cookie")}
    assert set(cookies) == {"stepwise_session", "stepwise_csrf"}
    assert "httponly" in cookies["stepwise_session"]
    assert "httponly" not in cookies["stepwise_csrf"]  # the pages read it to send it back
    assert all("samesite=strict" in c for c in cookies.values())


def test_a_session_reads_but_changes_only_with_its_csrf_token(
    stack: Stack, orchestrator: httpx.Client
) -> None:
    machine = flows.register(orchestrator, "auth-csrf", flows.gated_steps(_queue()))
    execution_id = flows.start(orchestrator, machine)
    with signed_in(stack) as browser:
        assert browser.get(f"/executions/{execution_id}").status_code == 200
        stop = f"/executions/{execution_id}/stop"
        forged = browser.post(stop, json={})
        assert forged.status_code == 403, forged.text
        cross_site = browser.post(
            stop,
            json={},
            headers={
                "X-CSRF-Token": browser.cookies["stepwise_csrf"],
                "Sec-Fetch-Site": "cross-site",
            },
        )
        assert cross_site.status_code == 403, cross_site.text
        assert orchestrator.get(f"/executions/{execution_id}").json()["status"] == "RUNNING"
        stopped = browser.post(
            stop, json={}, headers={"X-CSRF-Token": browser.cookies["stepwise_csrf"]}
        )
        assert stopped.status_code == 200, stopped.text
        assert stopped.json()["status"] == "ABORTED"
        browser.delete("/console/session")
        assert browser.get(f"/executions/{execution_id}").status_code == 401


def test_a_tampered_session_cookie_is_no_session(stack: Stack) -> None:
    with signed_in(stack) as browser:
        session = browser.cookies["stepwise_session"]
        expires, nonce, signature = session.split(".")
        browser.cookies.set("stepwise_session", f"{int(expires) + 10**6}.{nonce}.{signature}")
        assert browser.get("/executions").status_code == 401


# ---- the forged charge ---------------------------------------------------------------------


def _queue() -> str:
    return f"auth-{uuid.uuid4().hex[:8]}.commands"


def test_a_stranger_can_neither_read_task_tokens_nor_complete_a_task(
    stack: Stack, orchestrator: httpx.Client
) -> None:
    """The attack of issue 10: read a task token from an execution's history, then report the
    charge as done so the order ships unpaid. Each step is refused now, and nothing changes."""
    machine = flows.register(orchestrator, "auth-forgery", flows.gated_steps(_queue()))
    execution_id = flows.start(orchestrator, machine)
    token = flows.next_token(orchestrator, execution_id, 0)  # what the operator can see
    url = stack.url("orchestrator")

    history = httpx.get(f"{url}/executions/{execution_id}/history")
    assert history.status_code == 401
    assert token not in history.text
    for headers in ({}, WRONG_TOKEN):
        forged = httpx.post(
            f"{url}/tasks/success",
            json={"taskToken": token, "output": {"charged": True}},
            headers=headers,
        )
        assert forged.status_code == 401, forged.text
    time.sleep(0.3)
    execution = orchestrator.get(f"/executions/{execution_id}").json()
    assert execution["status"] == "RUNNING"
    states = orchestrator.get(f"/executions/{execution_id}/history").json()
    assert "TaskSucceeded" not in {event["type"] for event in _events(states)}
    # The same token from the operator is accepted: the refusals were the caller's doing.
    accepted = orchestrator.post("/tasks/success", json={"taskToken": token, "output": {}})
    assert accepted.status_code == 200, accepted.text
    orchestrator.post(f"/executions/{execution_id}/stop", json={})


def test_a_stranger_cannot_restock(stack: Stack, inventory: httpx.Client) -> None:
    items = inventory.get("/items").json()
    sku = items[0]["sku"]
    before = inventory.get(f"/items/{sku}").json()
    answer = httpx.post(
        f"{stack.url('inventory_service')}/items/{sku}/restock", json={"quantity": 1000}
    )
    assert answer.status_code == 401
    assert inventory.get(f"/items/{sku}").json() == before


def _events(history: Any) -> list[dict[str, Any]]:
    return list(history["events"] if isinstance(history, dict) else history)
