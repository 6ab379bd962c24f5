"""The shop's own pages: the catalogue with an order form (`/`, `/shop`) and an order's live
tracker (`/shop/orders/{order_id}`).

Plain HTML, CSS and JavaScript under `web/static/shop/`, served by web itself so the pages work
with no network. The pages call web's public API from the browser (GET /products, POST /orders,
GET /orders/{id}); the only thing filled in on the server is the console's URL."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

PAGES = Path(__file__).parent / "static" / "shop"
ASSETS_PATH = "/shop/assets"

router = APIRouter(include_in_schema=False)


@cache
def _template(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _page(name: str, request: Request) -> HTMLResponse:
    console_url: str = request.app.state.console_url
    body = _template(name).replace("{{console_url}}", html.escape(console_url, quote=True))
    # The pages are small and change with releases: let the browser revalidate each time.
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


@router.get("/")
@router.get("/shop")
async def shop(request: Request) -> HTMLResponse:
    return _page("shop.html", request)


@router.get("/shop/orders/{order_id}")
async def order_page(order_id: str, request: Request) -> HTMLResponse:
    # The page reads the order itself (GET /orders/{id}) and says so when there is none.
    return _page("order.html", request)


def install_shop_pages(app: FastAPI, console_url: str) -> None:
    """Serve the pages and their assets; `console_url` is where the console's pages are."""
    app.state.console_url = console_url
    app.mount(ASSETS_PATH, StaticFiles(directory=PAGES / "assets"), name="shop-assets")
    app.include_router(router)
