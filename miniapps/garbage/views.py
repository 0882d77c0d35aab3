"""Shaping data for the templates: the calendar's weekday row, category marks, grids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from machi_sdk.formatting import weekday_names

from .rules import month_grid

JST = dt.timezone(dt.timedelta(hours=9))
#: Marks drawn with each category's colour, so a category is never told by colour alone.
MARKS = ("●", "▲", "■", "◆", "★", "♥", "✚", "⬟")


def today() -> dt.date:
    return dt.datetime.now(JST).date()


def weekday_headers(locale: str) -> list[str]:
    """Sunday first, as Japanese paper calendars."""
    names = weekday_names(locale)
    return [names[6], *names[:6]]


def categories_view(rows: list[dict[str, Any]], gettext: Any) -> dict[int, dict[str, Any]]:
    return {
        row["id"]: {
            "id": row["id"],
            "label": gettext(row["label"]),
            "color": row["color"],
            "mark": MARKS[index % len(MARKS)],
            "description": row["description"],
        }
        for index, row in enumerate(rows)
    }


def grid(
    year: int, month: int, by_day: dict[dt.date, list[int]], today_: dt.date
) -> list[list[Any]]:
    return [
        [
            None
            if day is None
            else {"day": day, "cats": by_day.get(day, []), "today": day == today_}
            for day in week
        ]
        for week in month_grid(year, month)
    ]


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1
