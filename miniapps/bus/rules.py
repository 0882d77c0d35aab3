"""The bus rules as plain functions (no database): clock, fares, refunds, the nearest stop.

Times of day are minutes after midnight in Asia/Tokyo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from .planner import metres

JST = dt.timezone(dt.timedelta(hours=9))
#: How far ahead a ride can be booked.
BOOKING_HORIZON_DAYS = 14


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(JST).date()


def minute_now() -> float:
    local = now().astimezone(JST)
    return local.hour * 60 + local.minute + local.second / 60


def hhmm(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def parse_hhmm(text: str) -> int:
    """``"09:30"`` (or ``"9:30"``) as 570; :class:`ValueError` otherwise."""
    hours, sep, mins = text.strip().replace("：", ":").partition(":")
    if not sep or not hours.isdigit() or not mins.isdigit():
        raise ValueError(text)
    h, m = int(hours), int(mins)
    if not (0 <= h <= 23 and 0 <= m < 60):
        raise ValueError(text)
    return h * 60 + m


def is_senior(claims: Mapping[str, Any], bands: str) -> bool:
    """Whether the resident ID's age band (a claim the shell vouches for) is a senior one."""
    band = claims.get("profile.age_band")
    return isinstance(band, str) and band in bands.split()


def fare_for(settings: Mapping[str, Any], riders: int, senior: bool) -> int:
    """The rider's own fare (senior if granted) plus the normal fare for each companion."""
    own = settings["senior_fare"] if senior else settings["fare"]
    return int(own + settings["fare"] * max(riders - 1, 0))


def refund_for(paid: int, window_start: float, day: dt.date, settings: Mapping[str, Any]) -> int:
    """What a rider who cancels now gets back: all of it until ``free_cancel_minutes`` before
    the promised pickup window opens, nothing after (the bus may already be on its way)."""
    if paid <= 0:
        return 0
    if day > today():
        return paid
    if day < today():
        return 0
    return paid if minute_now() <= window_start - settings["free_cancel_minutes"] else 0


def nearest_stop(
    stops: Iterable[Mapping[str, Any]], latitude: float, longitude: float
) -> tuple[Mapping[str, Any] | None, float]:
    """The active stop closest to a map point, and how far it is (metres)."""
    best, best_m = None, float("inf")
    for stop in stops:
        if not stop["active"]:
            continue
        far = metres((latitude, longitude), (stop["latitude"], stop["longitude"]))
        if far < best_m:
            best, best_m = stop, far
    return best, best_m
