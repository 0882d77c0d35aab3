"""A small per-process cache for data an app reads on every page and changes rarely.

    facilities = TTLCache(seconds=30)
    row = await facilities.get(("facility", 7), query.first().run)
    facilities.clear()  # after a change made in this process

A change made in this process clears it at once; one made in another worker shows within
``seconds``. Never cache what must be exact (a booked slot, a balance).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class TTLCache:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    async def get(self, key: Hashable, load: Callable[[], Awaitable[Any]]) -> Any:
        """``await load()``, kept ``seconds`` under ``key``."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        self._entries[key] = (now + self.seconds, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
