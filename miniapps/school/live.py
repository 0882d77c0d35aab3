"""Live delivery to open conversations in this process: a waiter per topic, woken by a publish.

A message is committed to the database first, then published. A page waiting for new messages
(``/conversations/{id}/wait``) sleeps on its topic and wakes at once when this process publishes;
it also looks at the database every ``RECHECK_SECONDS``, so a message written by another worker
arrives within that time without a shared broker.
"""

from __future__ import annotations

import asyncio
import contextlib

RECHECK_SECONDS = 2.0


class Hub:
    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def publish(self, topic: str) -> None:
        event = self._events.pop(topic, None)
        if event is not None:
            event.set()

    async def wait(self, topic: str, seconds: float) -> bool:
        """True when ``topic`` was published within ``seconds``."""
        event = self._events.get(topic)
        if event is None:
            event = self._events[topic] = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
            return True
        return False

    def listeners(self) -> int:
        return len(self._events)


HUB = Hub()
