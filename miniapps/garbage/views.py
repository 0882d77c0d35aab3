"""Shaping data for the templates: days in the resident's language, category marks, grids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .rules import month_grid

JST = dt.timezone(dt.timedelta(hours=9))
#: Marks drawn with each category's colour, so a category is never told by colour alone.
MARKS = ("●", "▲", "■", "◆", "★", "♥", "✚", "⬟")
WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def today() -> dt.date:
    return dt.datetime.now(JST).date()


def is_ja(locale: str) -> bool:
    return not locale.startswith("en")


def day_label(day: dt.date, locale: str) -> str:
    if is_ja(locale):
        return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1][:3]}"


def month_label(year: int, month: int, locale: str) -> str:
    return f"{year}年{month}月" if is_ja(locale) else f"{MONTHS_EN[month - 1]} {year}"


def weekday_headers(locale: str) -> list[str]:
    """Sunday first, as Japanese paper calendars."""
    names = list(WEEKDAYS_JA) if is_ja(locale) else list(WEEKDAYS_EN)
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
