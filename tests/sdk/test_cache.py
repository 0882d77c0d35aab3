"""machi_sdk.cache.TTLCache: one load per key until it expires or is cleared."""

from __future__ import annotations

from machi_sdk.cache import TTLCache


async def test_loads_once_per_key_until_cleared_or_expired():
    loads: list[str] = []

    def loader(value: str):
        async def load() -> str:
            loads.append(value)
            return value

        return load

    cache = TTLCache(seconds=60)
    assert await cache.get("a", loader("a1")) == "a1"
    assert await cache.get("a", loader("a2")) == "a1"  # kept
    assert await cache.get("b", loader("b1")) == "b1"
    cache.clear()
    assert await cache.get("a", loader("a3")) == "a3"
    expired = TTLCache(seconds=0)
    assert await expired.get("a", loader("x1")) == "x1"
    assert await expired.get("a", loader("x2")) == "x2"
    assert loads == ["a1", "b1", "a3", "x1", "x2"]
