"""Waiting for new messages in a conversation (what an open conversation page does).

A waiter reads the database, then sleeps on the conversation's topic until a publish wakes it.
Publishes from this process (and, with Redis, from every worker) wake it at once. For a worker
without Redis, one watcher per process looks for new messages in the database every
``RECHECK_SECONDS`` and wakes the conversations that have some: one query however many pages are
open, and a message written by another worker arrives within that time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from . import queries
from .live import HUB, RECHECK_SECONDS
from .tables import SchoolMessage

log = logging.getLogger("machi.school")
_watcher: asyncio.Task[None] | None = None
_after: dict[str, int] = {}  # topic -> the lowest message id its waiters have already read


async def _watch_database() -> None:
    last = (await SchoolMessage.select(SchoolMessage.id).order_by(SchoolMessage.id, ascending=False)
            .first() or {"id": 0})["id"]  # fmt: skip
    while True:
        await asyncio.sleep(RECHECK_SECONDS)
        if not HUB.listeners():
            continue
        try:
            rows = await SchoolMessage.select(SchoolMessage.id, SchoolMessage.conversation).where(
                SchoolMessage.id > last
            ).order_by(SchoolMessage.id).limit(5000)  # fmt: skip
        except Exception as exc:  # the database may be restarting: try again next round
            log.warning("school message watch: %s", exc)
            continue
        for row in rows:
            topic = f"conversation:{row['conversation']}"
            if row["id"] > _after.get(topic, row["id"]):  # someone waits and has not read it
                HUB.wake(topic)
            last = max(last, row["id"])


def _watch() -> None:
    global _watcher
    if _watcher is None or _watcher.done():
        _watcher = asyncio.get_running_loop().create_task(_watch_database())


async def stop_watching() -> None:
    global _watcher
    if _watcher is not None:
        _watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await _watcher
        _watcher = None


async def deliver(conversation_id: int, after: int, seconds: float) -> list[dict[str, Any]]:
    """The messages after ``after``, waiting up to ``seconds`` for the first one."""
    _watch()
    topic = f"conversation:{conversation_id}"
    event = HUB.subscribe(topic)  # before reading: a publish in between is not missed
    rows = await queries.messages(conversation_id, after)
    if rows or seconds <= 0:
        return rows
    _after[topic] = min(after, _after.get(topic, after))
    try:
        woken = await HUB.wait(topic, seconds, event)
    finally:
        if HUB.listeners_of(topic) == 0:
            _after.pop(topic, None)
    return await queries.messages(conversation_id, after) if woken else []
