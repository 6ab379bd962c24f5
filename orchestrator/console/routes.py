"""The console's pages: an HTML shell per page, whose module reads the API."""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

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


def install_console(app: FastAPI) -> None:
    app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(router)
