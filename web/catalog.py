"""Inventory's read-only catalog over HTTP: `GET /items`, `GET /items/{sku}`."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from web.errors import UpstreamError
from web.upstream import Upstream


class CatalogItem(BaseModel):
    """One sku as inventory sells it. Prices are integer minor units."""

    model_config = ConfigDict(extra="ignore")

    sku: str
    name: str
    price_cents: int
    currency: str
    available: int


_ITEMS = TypeAdapter(list[CatalogItem])


class Catalog(Protocol):
    """What web needs from inventory."""

    async def list_items(self) -> list[CatalogItem]:
        """Every sku on sale."""
        ...

    async def get_item(self, sku: str) -> CatalogItem | None:
        """The sku, or None when inventory does not know it."""
        ...

    async def health(self) -> str:
        """'ok', or why inventory is unavailable."""
        ...


class CatalogClient:
    """`Catalog` over HTTP."""

    def __init__(self, inventory: Upstream) -> None:
        self._inventory = inventory

    async def list_items(self) -> list[CatalogItem]:
        response = await self._inventory.request("GET", "/items")
        if response.status_code != 200:
            raise self._inventory.unexpected(response)
        try:
            return _ITEMS.validate_python(self._inventory.json_of(response))
        except ValidationError as exc:
            raise UpstreamError(
                self._inventory.name, f"an item list of the wrong shape: {exc}"
            ) from exc

    async def get_item(self, sku: str) -> CatalogItem | None:
        path = "/items/" + quote(sku, safe="")
        response = await self._inventory.request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._inventory.unexpected(response)
        try:
            return CatalogItem.model_validate(self._inventory.json_of(response))
        except ValidationError as exc:
            raise UpstreamError(self._inventory.name, f"an item of the wrong shape: {exc}") from exc

    async def health(self) -> str:
        return await self._inventory.health()
