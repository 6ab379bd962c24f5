"""The bearer middleware on a tiny app: public routes, constant-time check, refusal shapes, and
what a service says when it has no token."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from servicekit.auth import MissingApiToken, Public, mark_openapi, require_token
from servicekit.http import create_service_app
from tests.api_token import API_TOKEN, AUTH_HEADERS


@contextlib.asynccontextmanager
async def nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


def app_with(public: tuple[Public, ...]) -> FastAPI:
    app = create_service_app(
        "svc", nothing, api_token=API_TOKEN, public=public, max_body_bytes=1024
    )

    @app.get("/open/{thing}")
    async def open_thing(thing: str) -> dict[str, str]:
        return {"thing": thing}

    @app.get("/closed")
    async def closed() -> dict[str, str]:
        return {"secret": "yes"}

    return app


async def get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get(path, headers=headers)


async def test_public_routes_pass_and_the_rest_need_the_token() -> None:
    app = app_with((Public("GET", "/open/{thing}"),))
    assert (await get(app, "/open/x")).status_code == 200
    assert (await get(app, "/healthz")).status_code in (200, 503)  # public on every service
    refused = await get(app, "/closed")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Authorization: Bearer" in refused.json()["detail"]
    assert (await get(app, "/closed", AUTH_HEADERS)).json() == {"secret": "yes"}


@pytest.mark.parametrize(
    "authorization",
    ["Bearer " + "x" * 43, "Bearer", "Basic " + API_TOKEN, API_TOKEN, "Bearer " + API_TOKEN[:-1]],
)
async def test_anything_but_the_token_is_refused(authorization: str) -> None:
    refused = await get(app_with(()), "/closed", {"Authorization": authorization})
    assert refused.status_code == 401
    assert "secret" not in refused.text


async def test_an_unknown_route_is_refused_before_it_is_found() -> None:
    # Nothing to learn about which routes exist without the token.
    assert (await get(app_with(()), "/no/such/route")).status_code == 401
    assert (await get(app_with(()), "/no/such/route", AUTH_HEADERS)).status_code == 404


def test_the_openapi_document_marks_what_needs_the_token() -> None:
    app = app_with((Public("GET", "/open/{thing}"),))
    paths = app.openapi()["paths"]
    assert "security" not in paths["/open/{thing}"]["get"]
    assert paths["/closed"]["get"]["security"] == [{"apiToken": []}]
    assert "401" in paths["/closed"]["get"]["responses"]
    assert "security" not in paths["/healthz"]["get"]
    assert app.openapi()["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_marking_is_by_template_not_by_prefix() -> None:
    schema: dict[str, Any] = {
        "paths": {"/orders": {"get": {"responses": {}}}, "/orders/{id}": {"get": {"responses": {}}}}
    }
    marked = mark_openapi(schema, [Public("GET", "/orders/{order_id}")])
    assert "security" in marked["paths"]["/orders"]["get"]
    assert "security" not in marked["paths"]["/orders/{id}"]["get"]


@pytest.mark.parametrize("token", [None, "", "short-token", "change-me-" + "x" * 40])
def test_no_service_starts_without_a_long_enough_token(token: str | None) -> None:
    with pytest.raises(MissingApiToken) as refused:
        create_service_app("svc", nothing, api_token=token, max_body_bytes=1024)
    message = str(refused.value)
    assert "API_TOKEN" in message and "secrets.token_urlsafe(32)" in message


def test_a_token_of_32_characters_or_more_is_accepted() -> None:
    assert require_token("a" * 32) == "a" * 32
