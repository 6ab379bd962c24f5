"""The catalog cache: known skus are kept for the TTL, unknown ones always asked again."""

from __future__ import annotations

from tests.unit.web.fakes import FakeCatalog
from web.catalog import CatalogItem
from web.catalog_cache import CachedCatalog


class CountingCatalog(FakeCatalog):
    def __init__(self, items: list[CatalogItem]) -> None:
        super().__init__(items)
        self.asked: list[str] = []

    async def get_item(self, sku: str) -> CatalogItem | None:
        self.asked.append(sku)
        return await super().get_item(sku)


TEE = CatalogItem(sku="TEE", name="T-shirt", price_cents=1999, currency="EUR", available=10)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_known_sku_is_asked_once_within_the_ttl() -> None:
    inner, clock = CountingCatalog([TEE]), Clock()
    cache = CachedCatalog(inner, ttl_seconds=5, clock=clock)
    assert await cache.get_item("TEE") == TEE
    clock.now += 4.9
    assert await cache.get_item("TEE") == TEE
    assert inner.asked == ["TEE"]


async def test_after_the_ttl_a_new_price_is_seen() -> None:
    inner, clock = CountingCatalog([TEE]), Clock()
    cache = CachedCatalog(inner, ttl_seconds=5, clock=clock)
    await cache.get_item("TEE")
    inner.items["TEE"] = TEE.model_copy(update={"price_cents": 2499})
    clock.now += 5.0
    found = await cache.get_item("TEE")
    assert found is not None and found.price_cents == 2499
    assert inner.asked == ["TEE", "TEE"]


async def test_an_unknown_sku_is_asked_every_time() -> None:
    inner = CountingCatalog([TEE])
    cache = CachedCatalog(inner, ttl_seconds=5, clock=Clock())
    assert await cache.get_item("NEW") is None
    inner.items["NEW"] = TEE.model_copy(update={"sku": "NEW"})
    assert await cache.get_item("NEW") is not None
    assert inner.asked == ["NEW", "NEW"]


async def test_ttl_zero_keeps_nothing() -> None:
    inner = CountingCatalog([TEE])
    cache = CachedCatalog(inner, ttl_seconds=0, clock=Clock())
    await cache.get_item("TEE")
    await cache.get_item("TEE")
    assert inner.asked == ["TEE", "TEE"]


async def test_listing_refreshes_every_sku() -> None:
    inner, clock = CountingCatalog([TEE]), Clock()
    cache = CachedCatalog(inner, ttl_seconds=5, clock=clock)
    assert [i.sku for i in await cache.list_items()] == ["TEE"]
    assert await cache.get_item("TEE") == TEE
    assert inner.asked == []
