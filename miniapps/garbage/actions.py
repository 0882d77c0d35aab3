"""Changing the garbage calendar's data. Every action checks its input first and changes nothing
when it refuses (:class:`Refused`, with a message key the routes translate)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from typing import Any

from . import queries
from .importer import Schedule5374
from .rules import HOLIDAY_POLICIES, PAUSE_POLICIES
from .tables import (
    GarbageArea,
    GarbageCategory,
    GarbageFee,
    GarbageItem,
    GarbagePause,
    GarbageRemark,
    GarbageRequest,
    GarbageRule,
    GarbageSettings,
    GarbageSubscription,
)
from .text import fold

TIMINGS = ("evening", "morning")
LARGE_ITEM_CAPACITY = 20  # requests one collection day takes
LARGE_ITEM_WEEKDAYS = (1, 3)  # Tuesdays and Thursdays
LARGE_ITEM_LEAD_DAYS = 5  # the earliest offered date is this many days ahead
MAX_QUANTITY = 10


class Refused(Exception):
    """An action refused; ``reason`` is a short key, ``detail`` for the message."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def import_5374(schedule: Schedule5374) -> dict[str, int]:
    """Store a parsed 5374 folder in one transaction: categories and areas are updated in place
    (residents' chosen areas stay), the imported rules, pauses and the dictionary replaced.
    Dates staff added stay."""
    async with GarbageArea._meta.db.transaction():
        if not await GarbageSettings.exists():
            await GarbageSettings.insert(GarbageSettings())
        category_ids: dict[str, int] = {}
        for position, cat in enumerate(schedule.categories):
            values = {
                GarbageCategory.sublabel: cat.sublabel,
                GarbageCategory.description: cat.description,
                GarbageCategory.icon: cat.icon,
                GarbageCategory.color: cat.color,
                GarbageCategory.position: position,
            }
            row = (
                await GarbageCategory.select(GarbageCategory.id)
                .where(GarbageCategory.label == cat.label)
                .first()
            )
            if row:
                await GarbageCategory.update(values).where(GarbageCategory.id == row["id"])
                category_ids[cat.label] = row["id"]
            else:
                made = await GarbageCategory.insert(
                    GarbageCategory(label=cat.label, **{c._meta.name: v for c, v in values.items()})
                ).returning(GarbageCategory.id)
                category_ids[cat.label] = made[0]["id"]
        existing = {
            (r["master"], r["name"]): r["id"]
            for r in await GarbageArea.select(GarbageArea.id, GarbageArea.master, GarbageArea.name)
        }
        await GarbageRule.delete().where(GarbageRule.added_by_staff.eq(False))
        rules: list[GarbageRule] = []
        for position, area in enumerate(schedule.areas):
            fields = {
                "master_name": schedule.masters.get(area.master, ""),
                "center": area.center,
                "extra": json.dumps(area.extra, ensure_ascii=False),
                "position": position,
            }
            area_id = existing.get((area.master, area.name))
            if area_id is None:
                made = await GarbageArea.insert(
                    GarbageArea(master=area.master, name=area.name, **fields)
                ).returning(GarbageArea.id)
                area_id = made[0]["id"]
            else:
                await GarbageArea.update(
                    {getattr(GarbageArea, k): v for k, v in fields.items()}
                ).where(GarbageArea.id == area_id)
            for label, cell_rules in area.rules.items():
                for rule in cell_rules:
                    rules.append(
                        GarbageRule(
                            area=area_id,
                            category=category_ids[label],
                            kind=rule.kind,
                            weekday=rule.weekday,
                            nth=rule.nth,
                            months=" ".join(str(m) for m in sorted(rule.months)),
                            date=rule.date,
                        )
                    )
        for start in range(0, len(rules), 500):
            await GarbageRule.insert(*rules[start : start + 500])
        for center, pauses in schedule.pauses.items():
            await GarbagePause.delete().where(GarbagePause.center == center)
            for pause in pauses:
                await GarbagePause.insert(
                    GarbagePause(center=center, start=pause.start, end=pause.end)
                )
        await GarbageItem.delete(force=True)
        items = [
            GarbageItem(
                category=category_ids[item.category],
                name=item.name,
                notice=item.notice,
                furigana=item.furigana,
                search_key=fold(item.name) + "\n" + fold(item.notice),
            )
            for item in schedule.items
        ]
        for start in range(0, len(items), 500):
            await GarbageItem.insert(*items[start : start + 500])
        await GarbageRemark.delete(force=True)
        for key, text in schedule.remarks.items():
            await GarbageRemark.insert(GarbageRemark(key=key, text=text))
    queries.forget()
    return {
        "areas": len(schedule.areas),
        "categories": len(schedule.categories),
        "rules": len(rules),
        "items": len(items),
    }


async def _subscription(subject: str, locale: str = "ja") -> dict[str, Any]:
    found = await queries.subscription(subject)
    if found:
        return found
    await GarbageSubscription.insert(
        GarbageSubscription(subject=subject, locale=locale, created_at=_now())
    )
    found = await queries.subscription(subject)
    assert found is not None
    return found


async def choose_area(subject: str, area_id: int, locale: str = "ja") -> dict[str, Any]:
    area = await queries.area(area_id)
    if area is None:
        raise Refused("unknown_area")
    await _subscription(subject, locale)
    await GarbageSubscription.update({GarbageSubscription.area: area_id}).where(
        GarbageSubscription.subject == subject
    )
    return area


async def set_reminders(
    subject: str, *, on: bool, timing: str, categories: Sequence[int], locale: str = "ja"
) -> dict[str, Any]:
    """Turn reminders on (for ``categories``, the evening before or the morning of) or off."""
    if timing not in TIMINGS:
        raise Refused("bad_timing")
    known = {c["id"] for c in await queries.categories()}
    chosen = sorted({int(c) for c in categories})
    if any(c not in known for c in chosen):
        raise Refused("unknown_category")
    if on and not chosen:
        raise Refused("no_category")
    sub = await _subscription(subject, locale)
    if on and sub["area"] is None:
        raise Refused("no_area")
    await GarbageSubscription.update(
        {
            GarbageSubscription.reminders: on,
            GarbageSubscription.timing: timing,
            GarbageSubscription.categories: json.dumps(chosen),
            GarbageSubscription.locale: locale,
        }
    ).where(GarbageSubscription.subject == subject)
    result = await queries.subscription(subject)
    assert result is not None
    return result


async def ical_token(subject: str, *, renew: bool = False) -> str:
    """The secret of the resident's calendar feed URL (made on first use; ``renew`` replaces it,
    so an old URL stops working)."""
    sub = await _subscription(subject)
    if sub["area"] is None:
        raise Refused("no_area")
    if sub["ical_token"] and not renew:
        return str(sub["ical_token"])
    token = secrets.token_urlsafe(24)
    await GarbageSubscription.update({GarbageSubscription.ical_token: token}).where(
        GarbageSubscription.subject == subject
    )
    return token


async def set_policy(*, holidays: str, pauses: str) -> None:
    if holidays not in HOLIDAY_POLICIES or pauses not in PAUSE_POLICIES:
        raise Refused("bad_policy")
    if not await GarbageSettings.exists():
        await GarbageSettings.insert(GarbageSettings())
    await GarbageSettings.update(
        {GarbageSettings.holiday_policy: holidays, GarbageSettings.pause_policy: pauses}, force=True
    )
    queries.forget()


async def add_pause(center: str, start: dt.date, end: dt.date) -> None:
    if end < start:
        raise Refused("pause_order")
    if not await GarbageArea.exists().where(GarbageArea.center == center):
        raise Refused("unknown_center")
    await GarbagePause.insert(GarbagePause(center=center, start=start, end=end))
    queries.forget()


async def add_date(area_id: int, category_id: int, day: dt.date) -> None:
    """A one-off collection date, added to the area's rules (kept across re-imports)."""
    if await queries.area(area_id) is None:
        raise Refused("unknown_area")
    if not await GarbageCategory.exists().where(GarbageCategory.id == category_id):
        raise Refused("unknown_category")
    await GarbageRule.insert(
        GarbageRule(area=area_id, category=category_id, kind="date", date=day, added_by_staff=True)
    )
    queries.forget()


async def offered_dates(today: dt.date, count: int = 6) -> list[dt.date]:
    """The next large-item collection days with room (Tuesdays and Thursdays, not holidays)."""
    from .rules import is_holiday

    out: list[dt.date] = []
    day = today + dt.timedelta(days=LARGE_ITEM_LEAD_DAYS)
    while len(out) < count and day < today + dt.timedelta(days=120):
        open_day = day.weekday() in LARGE_ITEM_WEEKDAYS and not is_holiday(day)
        if open_day and await queries.booked_on(day) < LARGE_ITEM_CAPACITY:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


async def request_collection(
    subject: str, quantities: dict[int, int], day: dt.date, *, today: dt.date
) -> dict[str, Any]:
    """Book a large-item collection: items from the fee table, a fee, an offered date, a number.
    The fee is paid at collection (the wallet's payment request is not available to mini-apps)."""
    fees = {f["id"]: f for f in await queries.fees()}
    lines = []
    for fee_id, quantity in quantities.items():
        if quantity <= 0:
            continue
        fee = fees.get(fee_id)
        if fee is None:
            raise Refused("unknown_item")
        if quantity > MAX_QUANTITY:
            raise Refused("too_many")
        lines.append({"name": fee["name"], "fee": fee["fee"], "quantity": quantity})
    if not lines:
        raise Refused("no_items")
    if day not in await offered_dates(today):
        raise Refused("date_not_offered")
    sub = await queries.subscription(subject)
    total = sum(line["fee"] * line["quantity"] for line in lines)
    async with GarbageRequest._meta.db.transaction():
        count = await GarbageRequest.count()
        number = f"{day:%y%m}-{count + 1:05d}-{secrets.randbelow(90) + 10}"
        await GarbageRequest.insert(
            GarbageRequest(
                number=number,
                subject=subject,
                area=sub["area"] if sub else None,
                items=json.dumps(lines, ensure_ascii=False),
                total=total,
                collection_date=day,
                created_at=_now(),
            )
        )
    found = await GarbageRequest.select().where(GarbageRequest.number == number).first()
    assert found is not None
    return found


async def set_request_status(number: str, status: str) -> None:
    if status not in ("booked", "collected", "cancelled"):
        raise Refused("bad_status")
    if not await GarbageRequest.exists().where(GarbageRequest.number == number):
        raise Refused("unknown_request")
    await GarbageRequest.update({GarbageRequest.status: status}).where(
        GarbageRequest.number == number
    )


async def set_fee(name: str, fee: int) -> None:
    """Add an item to the fee table or change its fee (staff)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise Refused("bad_fee_name")
    if not 0 <= fee <= 100_000:
        raise Refused("bad_fee")
    if await GarbageFee.exists().where(GarbageFee.name == name):
        await GarbageFee.update({GarbageFee.fee: fee, GarbageFee.active: True}).where(
            GarbageFee.name == name
        )
    else:
        await GarbageFee.insert(GarbageFee(name=name, fee=fee, position=await GarbageFee.count()))


PAYMENTS = ("at_collection", "wallet_pending", "paid")


async def set_payment(subject: str, number: str, payment: str) -> bool:
    """Record how the resident's request ``number`` is paid; False when it is not theirs."""
    if payment not in PAYMENTS:
        raise ValueError(payment)
    changed = await (
        GarbageRequest.update({GarbageRequest.payment: payment})
        .where((GarbageRequest.number == number) & (GarbageRequest.subject == subject))
        .returning(GarbageRequest.id)
    )
    return bool(changed)
