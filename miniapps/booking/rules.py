"""The booking rules as plain functions (no database): slots of a day, fees, refunds.

Times are minutes after midnight in Asia/Tokyo; a slot is named by its start (``"09:00"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

JST = dt.timezone(dt.timedelta(hours=9))
#: How far ahead residents may book.
BOOKING_HORIZON_DAYS = 90
#: At most this many slots in one booking.
MAX_SLOTS = 6
#: Age bands (claims the shell vouches for) a facility's 減免 applies to unless it names others.
DISCOUNT_BANDS = "70s 80s 90s 100s"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(JST).date()


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hhmm(text: str) -> int:
    """``"09:30"`` (or ``"9:30"``, ``"0930"``) as 570; :class:`ValueError` otherwise."""
    text = text.strip().replace("：", ":")
    if ":" in text:
        hours, _, minutes = text.partition(":")
    elif text.isdigit() and len(text) in (3, 4):
        hours, minutes = text[:-2], text[-2:]
    else:
        raise ValueError(text)
    h, m = int(hours), int(minutes[:2])
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise ValueError(text)
    return h * 60 + m


def slot_starts(facility: Mapping[str, Any]) -> list[int]:
    """Every slot start of an open day."""
    step = max(int(facility["slot_minutes"]), 15)
    return list(range(int(facility["opens"]), int(facility["closes"]) - step + 1, step))


def is_open_day(facility: Mapping[str, Any], day: dt.date, blackouts: Iterable[Any]) -> bool:
    if str(day.weekday()) not in facility["weekdays"]:
        return False
    return not any(b["start"] <= day <= b["end"] for b in blackouts)


def slot_key(facility_id: int, day: dt.date, start: int) -> str:
    return f"{facility_id}|{day.isoformat()}|{hhmm(start)}"


def starts_at(day: dt.date, minutes: int) -> dt.datetime:
    """The aware moment (Asia/Tokyo) ``minutes`` after midnight of ``day``."""
    return dt.datetime.combine(day, dt.time(), JST) + dt.timedelta(minutes=minutes)


def rate_for(claims: Mapping[str, Any]) -> str:
    """A verified resident of the city pays the resident rate; anyone else the other one."""
    return "resident" if claims.get("resident.verified") is True else "nonresident"


def discount_for(facility: Mapping[str, Any], claims: Mapping[str, Any]) -> int:
    """減免: the facility's discount when the resident's age band (a claim the shell vouches for,
    not a self-declared age) is one the facility names."""
    band = claims.get("profile.age_band")
    bands = str(facility.get("discount_bands", DISCOUNT_BANDS)).split()
    if band and band in bands:
        return int(facility.get("discount_percent", 0))
    return 0


def fee(facility: Mapping[str, Any], slots: int, rate: str, discount: int) -> int:
    """Whole yen: the rate per slot times the slots, less the discount rounded down to 10 yen."""
    per_slot = facility["fee_resident"] if rate == "resident" else facility["fee_nonresident"]
    gross = int(per_slot) * slots
    off = gross * discount // 100 // 10 * 10
    return gross - off


def refund_for(facility: Mapping[str, Any], amount: int, day: dt.date, on: dt.date) -> int | None:
    """The refund a cancellation on ``on`` allows for a booking on ``day``; ``None`` when it may
    no longer be cancelled (on the day or after)."""
    days_before = (day - on).days
    if days_before < 1:
        return None
    if days_before >= int(facility["cancel_free_days"]):
        return amount
    return amount * int(facility["cancel_late_percent"]) // 100


def week_of(day: dt.date) -> list[dt.date]:
    """The seven days starting at ``day``."""
    return [day + dt.timedelta(days=n) for n in range(7)]
