"""The watcher tells open pages about a mode switched in another process (no Redis)."""

from __future__ import annotations

import asyncio

from shell.disaster import scheduling
from shell.disaster.tables import ModeChange
from tests.shell.disaster.conftest import next_event


async def test_a_switch_made_elsewhere_reaches_open_pages(db, districts, city_events, settings):
    scheduling._seen.clear()
    await scheduling.watch()  # first look: remembers, says nothing
    # As `machi disaster import-jma` in its own process would leave it: a row, no event here.
    await ModeChange.insert(
        ModeChange(
            municipality_code=settings.municipality_code, active=True, reason="大雨", source="jma"
        )
    )
    await scheduling.watch()
    event = await next_event(city_events)
    assert (event.event, event.data) == ("disaster-mode", {"active": True})
    await scheduling.watch()  # nothing new: nothing sent
    await asyncio.sleep(0.2)
    assert city_events.empty()
