"""Reading the calendar, the dictionary and the requests. Dates are computed from stored rules."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from machi_sdk.cache import TTLCache

from .rules import Pause, Policy, Rule, dates_between, dates_in_month
from .tables import (
    GarbageArea,
    GarbageCategory,
    GarbageFee,
    GarbageItem,
    GarbagePause,
    GarbageRequest,
    GarbageRule,
    GarbageSettings,
    GarbageSubscription,
)
from .text import bigrams, fold

#: Public schedule data (categories, areas, computed dates) is kept this long in each process; a
#: change made in this process clears it at once, one made in another worker shows within this.
CACHE_SECONDS = 60.0
_cache = TTLCache(CACHE_SECONDS)


def forget() -> None:
    """Drop the cached schedule data (after an import or a staff change)."""
    _cache.clear()


async def cached(key: Any, load: Any) -> Any:
    """``await load()``, kept for :data:`CACHE_SECONDS` under ``key``."""
    return await _cache.get(key, load)


class UnknownArea(LookupError):
    """No area (or more than one) answers to the name given; ``candidates`` are the matches."""

    def __init__(self, name: str, candidates: list[dict[str, Any]]) -> None:
        self.name = name
        self.candidates = candidates
        super().__init__(name)


async def categories() -> list[dict[str, Any]]:
    # The loaders are built only on a miss: building a Piccolo query costs more than the hit.
    return await cached(
        "categories", lambda: GarbageCategory.select().order_by(GarbageCategory.position).run()
    )


async def areas() -> list[dict[str, Any]]:
    return await GarbageArea.select(
        GarbageArea.id, GarbageArea.name, GarbageArea.master, GarbageArea.master_name
    ).order_by(GarbageArea.position)


async def areas_named(name: str) -> list[dict[str, Any]]:
    """The areas called exactly ``name`` (the one a resident's district suggests; a name can be in
    two 区), in the order of :func:`areas`: one indexed read, not the city's whole list."""
    return await cached(
        ("named", name),
        lambda: (
            GarbageArea.select(
                GarbageArea.id, GarbageArea.name, GarbageArea.master, GarbageArea.master_name
            )
            .where(GarbageArea.name == name)
            .order_by(GarbageArea.position)
            .run()
        ),
    )


async def area(area_id: int) -> dict[str, Any] | None:
    return await cached(
        ("area", area_id),
        lambda: GarbageArea.select().where(GarbageArea.id == area_id).first().run(),
    )


async def find_area(name: str) -> dict[str, Any]:
    """The area called ``name``; ``区名/地名`` or the numeric id when one name is in two 区."""
    text = name.strip()
    if text.isdigit():
        found = await area(int(text))
        if found:
            return found
    master_name, _, area_name = text.rpartition("/")
    query = GarbageArea.select().where(GarbageArea.name == area_name.strip())
    if master_name:
        query = query.where(GarbageArea.master_name == master_name.strip())
    rows = await query
    if len(rows) != 1:
        raise UnknownArea(name, rows)
    return rows[0]


async def policy_for(center: str) -> Policy:
    settings = await GarbageSettings.select().first()
    pauses = await GarbagePause.select().where(GarbagePause.center == center) if center else []
    return Policy(
        holidays=settings["holiday_policy"] if settings else "collect",
        pauses=settings["pause_policy"] if settings else "drop",
        pause_list=tuple(Pause(p["start"], p["end"]) for p in pauses),
    )


def _rule(row: dict[str, Any]) -> Rule:
    months = frozenset(int(m) for m in row["months"].split()) if row["months"] else frozenset()
    return Rule(
        row["kind"], weekday=row["weekday"], nth=row["nth"], months=months, date=row["date"]
    )


async def area_rules(area_id: int) -> dict[int, list[Rule]]:
    """The stored rules of an area, by category id."""
    rows = await GarbageRule.select().where(GarbageRule.area == area_id)
    out: dict[int, list[Rule]] = {}
    for row in rows:
        out.setdefault(row["category"], []).append(_rule(row))
    return out


async def month_dates(area_row: dict[str, Any], year: int, month: int) -> dict[int, list[dt.date]]:
    """Collection dates of every category of the area in one month, by category id."""
    policy = await policy_for(area_row["center"])
    rules = await area_rules(area_row["id"])
    return {cat: dates_in_month(r, year, month, policy) for cat, r in rules.items()}


async def dates_by_day(
    area_row: dict[str, Any], start: dt.date, end: dt.date
) -> dict[dt.date, list[int]]:
    """Category ids collected on each day from ``start`` to ``end``."""

    async def compute() -> dict[dt.date, list[int]]:
        policy = await policy_for(area_row["center"])
        out: dict[dt.date, list[int]] = {}
        for cat, rules in (await area_rules(area_row["id"])).items():
            for day in dates_between(rules, start, end, policy):
                out.setdefault(day, []).append(cat)
        return out

    return await cached(("days", area_row["id"], area_row["center"], start, end), compute)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


async def search_items(query: str, limit: int = 30) -> tuple[list[dict[str, Any]], bool]:
    """Dictionary entries containing ``query`` (kana folded); when none does, the closest by
    shared character pairs. The flag says whether the answer is the closest rather than exact."""
    folded = fold(query)
    if not folded:
        return [], False
    rows = await GarbageItem.select(
        GarbageItem.id,
        GarbageItem.name,
        GarbageItem.notice,
        GarbageItem.search_key,
        GarbageItem.category.label.as_alias("category_label"),
        GarbageItem.category.color.as_alias("category_color"),
        GarbageItem.category.id.as_alias("category_id"),
    ).order_by(GarbageItem.id)
    exact = [r for r in rows if folded in r["search_key"].split("\n", 1)[0]]
    if not exact:
        exact = [r for r in rows if folded in r["search_key"]]
    if exact:
        exact.sort(key=lambda r: (not fold(r["name"]).startswith(folded), len(r["name"])))
        return exact[:limit], False
    wanted = bigrams(query)
    scored = []
    for row in rows:
        have = bigrams(row["name"])
        shared = len(wanted & have)
        if shared:
            scored.append((-shared / len(have | wanted), len(row["name"]), row))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [row for _, _, row in scored[:5]], True


async def subscription(subject: str) -> dict[str, Any] | None:
    """The resident's chosen area and reminders (raw SQL: read on every page, kept cheap)."""
    rows = await GarbageSubscription.raw(
        "SELECT * FROM garbage_subscription WHERE subject = {} LIMIT 1", subject
    )
    if not rows:
        return None
    row = rows[0]
    row["reminders"] = bool(row["reminders"])  # SQLite answers 0/1
    return row


async def subscription_by_token(token: str) -> dict[str, Any] | None:
    if not token:
        return None
    return await GarbageSubscription.select().where(GarbageSubscription.ical_token == token).first()


async def fees(*, active_only: bool = True) -> list[dict[str, Any]]:
    query = GarbageFee.select().order_by(GarbageFee.position, GarbageFee.id)
    if active_only:
        query = query.where(GarbageFee.active.eq(True))
    return await query


async def requests_of(subject: str) -> list[dict[str, Any]]:
    return (
        await GarbageRequest.select()
        .where(GarbageRequest.subject == subject)
        .order_by(GarbageRequest.collection_date)
    )


async def all_requests() -> list[dict[str, Any]]:
    return await GarbageRequest.select(
        GarbageRequest.all_columns(), GarbageRequest.area.name.as_alias("area_name")
    ).order_by(GarbageRequest.collection_date, GarbageRequest.id)


async def booked_on(day: dt.date) -> int:
    return await GarbageRequest.count().where(
        (GarbageRequest.collection_date == day) & (GarbageRequest.status != "cancelled")
    )


async def kpis() -> dict[str, int]:
    return {
        "areas": await GarbageArea.count(),
        "items": await GarbageItem.count(),
        "reminder_optins": await GarbageSubscription.count().where(
            GarbageSubscription.reminders.eq(True)
        ),
        "requests": await GarbageRequest.count().where(GarbageRequest.status == "booked"),
    }
