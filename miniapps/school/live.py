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

    def subscribe(self, topic: str) -> asyncio.Event:
        """The event the next publish on ``topic`` sets. Subscribe before reading what is
        there, so a publish between the read and the wait is not missed."""
        event = self._events.get(topic)
        if event is None:
            event = self._events[topic] = asyncio.Event()
        return event

    async def wait(self, topic: str, seconds: float, event: asyncio.Event | None = None) -> bool:
        """True when ``topic`` was published within ``seconds`` (or already, since ``event``)."""
        event = event or self.subscribe(topic)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
            return True
        return False

    def listeners(self) -> int:
        return len(self._events)


HUB = Hub()
