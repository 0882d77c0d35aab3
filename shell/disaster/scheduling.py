"""Periodic work: tell open pages about mode changes made elsewhere, read the JMA feed.

``read_feed`` imports the documents ``MACHI_JMA_FEED_URL`` lists every ``MACHI_JMA_FEED_MINUTES``
(idempotent: a document already imported is skipped).

``watch`` runs in the web process when there is no Redis (the in-process timers): a mode
switched by ``machi disaster import-jma`` in another process reaches open pages within seconds.
With Redis, every process publishes to the shared channels itself, and this finds nothing new.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from shell import jobs
from shell.disaster import queries
from shell.settings import Settings
from shell.web import live

log = logging.getLogger("machi.disaster")

_seen: dict[str, int | None] = {}


async def watch() -> None:
    """Publish ``disaster-mode`` when the latest mode change is not the one last seen here."""
    code = Settings.from_env().municipality_code
    latest = await queries.latest_change(code)
    latest_id = latest["id"] if latest else None
    if code in _seen and _seen[code] != latest_id and latest is not None:
        await live.publish(live.CITY, "disaster-mode", {"active": latest["active"]})
    _seen[code] = latest_id


async def read_feed() -> None:
    """Import what the JMA feed lists (``MACHI_JMA_FEED_URL``; nothing when unset)."""
    from shell.disaster import feed

    settings = Settings.from_env()
    if settings.jma_feed_url:
        try:
            async with live.standalone(settings):  # with Redis: in `machi worker` too
                await feed.poll(settings)
        except Exception:  # a feed that is down or garbled: logged, read again next time
            log.exception("JMA feed %s could not be read", settings.jma_feed_url)


jobs.periodic("disaster.watch", every=timedelta(seconds=5), run=watch)
jobs.periodic(
    "disaster.jma_feed",
    every=timedelta(minutes=max(1, Settings.from_env().jma_feed_minutes)),
    run=read_feed,
)
