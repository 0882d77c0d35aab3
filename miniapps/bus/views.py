"""Shaping data for the templates: days, times and money in the reader's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .rules import hhmm

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_ja(locale: str) -> bool:
    return not locale.startswith("en")


def day_label(day: dt.date, locale: str) -> str:
    if is_ja(locale):
        return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"
    return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"


def yen(amount: int, locale: str) -> str:
    return f"{amount:,}円" if is_ja(locale) else f"¥{amount:,}"


def formatters(locale: str) -> dict[str, Any]:
    return {
        "day": lambda d: day_label(d, locale),
        "yen": lambda a: yen(int(a), locale),
        "hhmm": hhmm,
    }
