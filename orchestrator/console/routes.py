"""The console's pages: an HTML shell per page, whose module reads the API."""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from orchestrator.console.sessions import SIGN_IN_PATH, ConsoleSessions, clear_cookies
from servicekit.auth import Public, tokens_equal
from servicekit.problems import Problem

HERE = Path(__file__).parent
SHELL = Template((HERE / "templates" / "page.html").read_text())
STATIC_PATH = "/console/static"

router = APIRouter(include_in_schema=False)


def _page(title: str, module: str, **params: str) -> HTMLResponse:
    """The shell: a header, a <main> the module fills, and the page's parameters as JSON."""
    return HTMLResponse(
        SHELL.substitute(
            title=html.escape(title),
            static=STATIC_PATH,
            module=module,
            params=html.escape(json.dumps(params)),
        )
    )


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/console", status_code=307)


@router.get("/console")
async def executions_page() -> HTMLResponse:
    return _page("Executions", "executions")


@router.get("/console/executions/{execution_id}")
async def execution_page(execution_id: str) -> HTMLResponse:
    return _page(f"Execution {execution_id}", "execution", executionId=execution_id)


@router.get("/console/state-machines/{name}")
async def state_machine_page(name: str) -> HTMLResponse:
    return _page(f"State machine {name}", "state-machine", name=name)


# Anyone may load the console's scripts and styles and sign in; its pages and the API need a
# session (or the token).
PUBLIC_ROUTES = (
    Public("GET", "/"),
    Public("GET", STATIC_PATH + "/{asset:path}"),
    Public("GET", SIGN_IN_PATH),
    Public("POST", "/console/session"),
    Public("DELETE", "/console/session"),
)


class SignIn(BaseModel):
    token: str


@router.get(SIGN_IN_PATH)
async def sign_in_page() -> HTMLResponse:
    return _page("Sign in", "sign-in")


@router.post("/console/session", status_code=204)
async def sign_in(body: SignIn, request: Request) -> Response:
    """Exchange the API token for the console's session cookies."""
    if not tokens_equal(body.token, request.app.state.api_token):
        raise Problem(401, "Unauthorized", "that is not the API token")
    sessions: ConsoleSessions = request.app.state.console_sessions
    response = Response(status_code=204)
    sessions.set_cookies(response, secure=request.url.scheme == "https")
    return response


@router.delete("/console/session", status_code=204)
async def sign_out() -> Response:
    response = Response(status_code=204)
    clear_cookies(response)
    return response


def install_console(app: FastAPI, api_token: str, sessions: ConsoleSessions) -> None:
    app.state.api_token = api_token
    app.state.console_sessions = sessions
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(router)
