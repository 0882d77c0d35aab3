"""The iCalendar feed of one area: every collection from a month ago to a year ahead."""

from __future__ import annotations

import datetime as dt
import gettext
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event

from . import queries

LOCALES = Path(__file__).parent / "locales"


async def feed(area: dict[str, Any], locale: str, today: dt.date) -> bytes:
    """All-day events, one per category and day, with stable UIDs (calendar apps update them)."""
    t = gettext.translation(
        "garbage", str(LOCALES), languages=[locale.split("-")[0]], fallback=True
    )
    labels = {c["id"]: c["label"] for c in await queries.categories()}
    cal = Calendar()
    cal.add("prodid", "-//Machi//garbage//JA")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", t.gettext("ごみ出し: {area}").format(area=area["name"]))
    cal.add("x-wr-timezone", "Asia/Tokyo")
    by_day = await queries.dates_by_day(
        area, today - dt.timedelta(days=31), today + dt.timedelta(days=365)
    )
    stamp = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    for day in sorted(by_day):
        for cat in by_day[day]:
            event = Event()
            event.add("uid", f"garbage-{area['id']}-{cat}-{day:%Y%m%d}@machi")
            event.add("dtstamp", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", t.gettext(labels.get(cat, "")))
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    return cal.to_ical()
