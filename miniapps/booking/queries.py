"""Reading facilities, availability, bookings, lotteries and the managers' figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from machi_sdk.cache import TTLCache

from . import rules
from .tables import (
    BookingAudit,
    BookingBlackout,
    BookingDoorCode,
    BookingEntry,
    BookingFacility,
    BookingLottery,
    BookingOrder,
    BookingPhoto,
    BookingSlot,
)

KINDS = ("room", "hall", "gym", "court", "field")

#: A facility's row, blackouts and open lotteries are kept this long in each process (the
#: availability page reads them on every poll); a change made in this process clears them at
#: once, one made in another worker shows within this. Booked slots are never cached.
CACHE_SECONDS = 30.0
_cache = TTLCache(CACHE_SECONDS)


def forget() -> None:
    """Drop the cached facility data (after a change)."""
    _cache.clear()


async def _cached(key: Any, load: Any) -> Any:
    """``await load()``, kept for :data:`CACHE_SECONDS` under ``key``."""
    return await _cache.get(key, load)


async def facility(facility_id: int) -> dict[str, Any] | None:
    # The loaders are built only on a miss: building a Piccolo query costs more than the hit.
    found = await _cached(
        ("facility", facility_id),
        lambda: BookingFacility.select().where(BookingFacility.id == facility_id).first().run(),
    )
    return dict(found) if found else None


async def search(
    *,
    kind: str = "",
    place: str = "",
    capacity: int = 0,
    equipment: str = "",
    barrier_free: bool = False,
    free_day: dt.date | None = None,
    free_at: int | None = None,
) -> list[dict[str, Any]]:
    """Active facilities matching every filter given; ``free_day`` (and ``free_at``) keep those
    with a slot still free then."""
    query = BookingFacility.select().where(BookingFacility.active.eq(True))
    if kind:
        query = query.where(BookingFacility.kind == kind)
    if capacity > 0:
        query = query.where(BookingFacility.capacity >= capacity)
    if barrier_free:
        query = query.where(BookingFacility.barrier_free.eq(True))
    rows = await query.order_by(BookingFacility.place).order_by(BookingFacility.name)
    if place:
        words = place.strip().lower()
        rows = [r for r in rows if words in f"{r['place']} {r['address']} {r['name']}".lower()]
    if equipment:
        rows = [r for r in rows if equipment.strip().lower() in r["equipment"].lower()]
    if free_day is not None:
        kept = []
        for row in rows:
            week = await availability(row, free_day, days=1)
            cells = week["days"][0]["cells"] if week["days"] else []
            if any(
                c["state"] == "free" and (free_at is None or c["start"] == free_at) for c in cells
            ):
                kept.append(row)
        rows = kept
    return rows


async def photos(facility_id: int) -> list[dict[str, Any]]:
    return await _cached(
        ("photos", facility_id),
        lambda: (
            BookingPhoto.select(BookingPhoto.id, BookingPhoto.caption)
            .where(BookingPhoto.facility == facility_id)
            .order_by(BookingPhoto.position)
            .run()
        ),
    )


async def photo(photo_id: int) -> dict[str, Any] | None:
    return (
        await BookingPhoto.select(BookingPhoto.content_type, BookingPhoto.data)
        .where(BookingPhoto.id == photo_id)
        .first()
    )


async def blackouts(facility_id: int) -> list[dict[str, Any]]:
    return await _cached(
        ("blackouts", facility_id),
        lambda: BookingBlackout.select().where(BookingBlackout.facility == facility_id).run(),
    )


async def open_lottery_days(facility_id: int) -> list[dict[str, Any]]:
    return await _cached(
        ("lotteries", facility_id),
        lambda: BookingLottery.select(
            BookingLottery.id, BookingLottery.first_day, BookingLottery.last_day,
            BookingLottery.apply_until,
        ).where(
            (BookingLottery.facility == facility_id)
            & BookingLottery.status.is_in(["open", "drawing"])  # not first-come while drawn
        ).run(),
    )  # fmt: skip


#: The booked slots of a facility between two days: read on every poll of the availability page
#: (never cached), so written once as SQL rather than built by the query builder each time.
#: The keys (``facility|YYYY-MM-DD|HH:MM``, :func:`rules.slot_key`) are read rather than the day
#: and the hour: text needs no conversion, where SQLite's date converter ran once per booked slot.
_TAKEN_SQL = (
    "SELECT slot_key FROM booking_slot WHERE facility = {} AND slot_key IS NOT NULL"
    " AND day >= {} AND day <= {}"
)


async def availability(
    row: dict[str, Any], first: dt.date, *, days: int = 7, now: dt.datetime | None = None
) -> dict[str, Any]:
    """For each day, each slot ``free``, ``taken``, ``lottery``, ``past`` or ``closed``."""
    now = now or rules.now()
    today = now.astimezone(rules.JST).date()
    last = first + dt.timedelta(days=days - 1)
    taken = {r["slot_key"] for r in await BookingSlot.raw(_TAKEN_SQL, row["id"], first, last)}
    lotteries = await open_lottery_days(row["id"])
    closed = await blackouts(row["id"])
    starts = rules.slot_starts(row)
    local_now = now.astimezone(rules.JST)
    now_minutes = local_now.hour * 60 + local_now.minute
    horizon = today + dt.timedelta(days=rules.BOOKING_HORIZON_DAYS)
    labels = [rules.hhmm(start) for start in starts]
    prefix = f"{row['id']}|"
    out = []
    for n in range(days):
        day = first + dt.timedelta(days=n)
        is_open = rules.is_open_day(row, day, closed)
        in_lottery = any(lo["first_day"] <= day <= lo["last_day"] for lo in lotteries)
        iso = day.isoformat()
        cells = []
        for start, label in zip(starts, labels, strict=True):
            if not is_open:
                state = "closed"
            elif day < today or (day == today and start <= now_minutes) or day > horizon:
                state = "past"
            elif f"{prefix}{iso}|{label}" in taken:  # rules.slot_key(row["id"], day, start)
                state = "taken"
            elif in_lottery:
                state = "lottery"
            else:
                state = "free"
            cells.append({"start": start, "label": label, "state": state, "key": f"{iso}-{start}"})
        states = tuple(cell["state"] for cell in cells)  # what a kept grid is known by
        out.append({"day": day, "open": is_open, "cells": cells, "states": states})
    return {"days": out, "starts": list(labels)}


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("choices", "results", "detail", "claims", "taken"):
        if key in row and isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


async def order(number: str) -> dict[str, Any] | None:
    return (
        await BookingOrder.select(
            *BookingOrder.all_columns(), BookingOrder.facility.name.as_alias("facility_name")
        )
        .where(BookingOrder.number == number)
        .first()
    )


async def orders_of(subject: str) -> list[dict[str, Any]]:
    return await (
        BookingOrder.select(
            *BookingOrder.all_columns(), BookingOrder.facility.name.as_alias("facility_name")
        )
        .where(BookingOrder.subject == subject)
        .order_by(BookingOrder.day, ascending=False)
        .order_by(BookingOrder.starts)
    )


async def all_orders(limit: int = 100) -> list[dict[str, Any]]:
    return await (
        BookingOrder.select(
            *BookingOrder.all_columns(), BookingOrder.facility.name.as_alias("facility_name")
        )
        .order_by(BookingOrder.created_at, ascending=False)
        .limit(limit)
    )


async def door_code(order_id: int) -> dict[str, Any] | None:
    return (
        await BookingDoorCode.select()
        .where((BookingDoorCode.order == order_id) & BookingDoorCode.revoked.eq(False))
        .first()
    )


async def lottery(lottery_id: int) -> dict[str, Any] | None:
    row = (
        await BookingLottery.select(
            *BookingLottery.all_columns(), BookingLottery.facility.name.as_alias("facility_name")
        )
        .where(BookingLottery.id == lottery_id)
        .first()
    )
    return _decode(row) if row else None


async def lotteries(*, facility_id: int | None = None) -> list[dict[str, Any]]:
    query = BookingLottery.select(
        *BookingLottery.all_columns(), BookingLottery.facility.name.as_alias("facility_name")
    ).order_by(BookingLottery.first_day)
    if facility_id is not None:
        query = query.where(BookingLottery.facility == facility_id)
    return [_decode(r) for r in await query]


async def entries(lottery_id: int) -> list[dict[str, Any]]:
    rows = await BookingEntry.select().where(BookingEntry.lottery == lottery_id)
    return [_decode(r) for r in rows]


async def entry_of(lottery_id: int, subject: str) -> dict[str, Any] | None:
    row = (
        await BookingEntry.select()
        .where((BookingEntry.lottery == lottery_id) & (BookingEntry.subject == subject))
        .first()
    )
    return _decode(row) if row else None


async def household_entered(lottery_id: int, household: str) -> bool:
    """Whether someone of this household has applied to the lottery."""
    return bool(
        await BookingEntry.exists().where(
            (BookingEntry.lottery == lottery_id) & (BookingEntry.household == household)
        )
    )


async def audit_log(limit: int = 50) -> list[dict[str, Any]]:
    rows = await BookingAudit.select().order_by(BookingAudit.id, ascending=False).limit(limit)
    return [_decode(r) for r in rows]


async def figures(first: dt.date, last: dt.date) -> dict[str, Any]:
    """稼働率 (booked slots of the open slots) per facility between two days, and the share of
    bookings made online (the seeds' KPIs)."""
    facilities = await BookingFacility.select().where(BookingFacility.active.eq(True))
    booked = await BookingSlot.select(BookingSlot.facility, BookingSlot.day).where(
        BookingSlot.slot_key.is_not_null() & (BookingSlot.day >= first) & (BookingSlot.day <= last)
    )
    per_facility: dict[int, int] = {}
    for row in booked:
        per_facility[row["facility"]] = per_facility.get(row["facility"], 0) + 1
    occupancy = []
    for f in facilities:
        closed = await blackouts(f["id"])
        open_days = sum(
            1
            for n in range((last - first).days + 1)
            if rules.is_open_day(f, first + dt.timedelta(days=n), closed)
        )
        capacity = open_days * len(rules.slot_starts(f))
        used = per_facility.get(f["id"], 0)
        percent = round(100 * used / capacity) if capacity else 0
        occupancy.append(
            {"id": f["id"], "name": f["name"], "used": used, "slots": capacity, "percent": percent}
        )
    channels = await BookingOrder.select(BookingOrder.channel).where(
        BookingOrder.status.is_in(["booked", "requested"])
        & (BookingOrder.day >= first)
        & (BookingOrder.day <= last)
    )
    total = len(channels)
    online = sum(1 for c in channels if c["channel"] in ("online", "lottery"))
    return {
        "occupancy": occupancy,
        "orders": total,
        "online": online,
        "online_percent": round(100 * online / total) if total else 0,
    }
