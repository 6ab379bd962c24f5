"""Prices and names of skus kept for a few seconds, so placing an order does not ask inventory
for every line every time (it cost inventory about 3.5 ms of CPU per order, more than a step).

Only what inventory knows is kept, and only for `ttl_seconds`: a new sku is seen at once (an
unknown one is asked again each time), a price change within that many seconds. Stock is not
decided here: the workflow's hold step takes it, or the order fails and is undone."""

from __future__ import annotations

import time
from collections.abc import Callable

from web.catalog import Catalog, CatalogItem


class CachedCatalog:
    """A `Catalog` that remembers each known sku for `ttl_seconds` (0: not at all)."""

    def __init__(
        self,
        catalog: Catalog,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalog = catalog
        self._ttl = ttl_seconds
        self._clock = clock
        self._items: dict[str, tuple[float, CatalogItem]] = {}

    async def get_item(self, sku: str) -> CatalogItem | None:
        now = self._clock()
        kept = self._items.get(sku)
        if kept is not None and kept[0] > now:
            return kept[1]
        item = await self._catalog.get_item(sku)
        if item is None:
            self._items.pop(sku, None)
        elif self._ttl > 0:
            self._items[sku] = (now + self._ttl, item)
        return item

    async def list_items(self) -> list[CatalogItem]:
        """Always inventory's own answer: the product list shows stock, which moves."""
        items = await self._catalog.list_items()
        if self._ttl > 0:
            expires = self._clock() + self._ttl
            self._items = {item.sku: (expires, item) for item in items}
        return items

    async def health(self) -> str:
        return await self._catalog.health()
