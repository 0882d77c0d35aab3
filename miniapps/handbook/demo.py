"""Demo data: interview slots at the health centre on the next ten weekdays (10:00-11:30, four
30-minute slots each). Children and records are the families' own; the demo makes none."""

from __future__ import annotations

import datetime as dt

from .actions import JST, today
from .tables import HandbookSlot

PLACE = "保健センター 相談室"


async def load_demo() -> list[str]:
    if await HandbookSlot.exists().where(HandbookSlot.starts_at > dt.datetime.now(dt.UTC)):
        return []
    rows, day = [], today()
    while len({r.starts_at.date() for r in rows}) < 10:
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for n in range(4):
            start = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=JST)
            rows.append(
                HandbookSlot(
                    starts_at=start + dt.timedelta(minutes=30 * n),
                    minutes=30,
                    place=PLACE,
                    created_by="demo",
                )
            )
    await HandbookSlot.insert(*rows)
    return [f"handbook: {len(rows)} interview slots at the health centre on the next 10 weekdays"]
