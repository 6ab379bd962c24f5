"""Inventory's read-only catalog over HTTP: `GET /items`, `GET /items/{sku}`."""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, TypeAdapter

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
        return self._inventory.parse(response, _ITEMS.validate_json, "an item list")

    async def get_item(self, sku: str) -> CatalogItem | None:
        path = "/items/" + quote(sku, safe="")
        response = await self._inventory.request("GET", path)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._inventory.unexpected(response)
        return self._inventory.parse(response, CatalogItem.model_validate_json, "an item")

    async def health(self) -> str:
        return await self._inventory.health()
