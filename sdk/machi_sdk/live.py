"""Live updates for an app's open pages: a page waits on a topic (``conversation:7``) and wakes
the moment something is published on it.

    HUB = app_hub("school")  # MACHI_REDIS_URL shared by the city's workers, when set

    # after the change is committed to the database
    await HUB.publish(f"conversation:{conversation_id}")

    # a long-poll handler: subscribe first, then read, then wait
    event = HUB.subscribe(topic)
    rows = await read_new_rows()
    if not rows and await HUB.wait(topic, 15.0, event):
        rows = await read_new_rows()

Publish only after the write is committed, and say *that* something changed, never what: the
page reads it again with its own permissions. In one process a publish wakes the waiters at once.
With ``redis_url`` (the city's Redis, ``MACHI_REDIS_URL``; needs the ``redis`` package) every
publish also goes out on Redis Pub/Sub and each worker wakes its own waiters, so several workers
share one stream of events. Redis may drop an event (a restart, a network blip): a page that must
not miss anything also re-reads every few seconds while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

log = logging.getLogger("machi_sdk.live")


class Hub:
    """Topics a page can wait on, woken by a publish in this process and, with ``redis_url``,
    in every process that shares the Redis server (channels ``<channel><topic>``)."""

    def __init__(self, redis_url: str = "", channel: str = "machi:live:") -> None:
        self._events: dict[str, asyncio.Event] = {}
        self.redis_url = redis_url
        self.channel = channel
        self._redis: Any = None
        self._relay: asyncio.Task[None] | None = None

    def wake(self, topic: str) -> None:
        """Wake the waiters of ``topic`` in this process only."""
        event = self._events.pop(topic, None)
        if event is not None:
            event.set()

    async def publish(self, topic: str) -> None:
        """Wake the waiters of ``topic`` here, and on every worker through Redis when set."""
        self.wake(topic)
        if not self.redis_url:
            return
        try:
            await self._client().publish(self.channel + topic, b"1")
        except Exception as exc:  # the database watch still delivers
            log.warning("live event %s not sent through Redis: %s", topic, exc)

    def subscribe(self, topic: str) -> asyncio.Event:
        """The event the next publish on ``topic`` sets. Subscribe before reading what is
        there, so a publish between the read and the wait is not missed."""
        self._listen()
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

    def listeners_of(self, topic: str) -> int:
        """1 while someone waits on ``topic`` here (the topic's next publish is pending)."""
        return 1 if topic in self._events else 0

    # --- Redis ---

    def _client(self) -> Any:
        if self._redis is None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(self.redis_url)
        return self._redis

    def _listen(self) -> None:
        """Start relaying other workers' events into this process (once, in this event loop)."""
        if not self.redis_url or (self._relay is not None and not self._relay.done()):
            return
        self._relay = asyncio.get_running_loop().create_task(self._relay_events())

    async def _relay_events(self) -> None:
        while True:
            try:
                pubsub = self._client().pubsub()
                await pubsub.psubscribe(self.channel + "*")
                async for message in pubsub.listen():
                    if message.get("type") == "pmessage":
                        channel = message["channel"]
                        name = channel.decode() if isinstance(channel, bytes) else str(channel)
                        self.wake(name.removeprefix(self.channel))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # reconnect; the database watch covers
                log.warning("live events from Redis interrupted: %s", exc)
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._relay
            self._relay = None
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
            self._redis = None


def app_hub(app_id: str) -> Hub:
    """The hub of app ``app_id``: its own channel prefix, on the city's Redis when
    ``MACHI_REDIS_URL`` is set."""
    return Hub(os.environ.get("MACHI_REDIS_URL", ""), channel=f"machi:{app_id}:live:")
