"""Reminders the evening before (from 18:00) or the morning of (06:00 to 09:00) a collection.

A periodic job (``machi_sdk.PeriodicJob``) runs :func:`send_reminders` every few minutes; each
reminder is recorded in ``garbage_reminder_sent`` *before* it is sent (a unique key), so a second
run, or a second worker, never sends it again. When the shell cannot take it right now the record
is removed and a later run tries again.
"""

from __future__ import annotations

import datetime as dt
import gettext
import json
import logging
from pathlib import Path

from machi_sdk import Platform, PlatformError

from . import queries
from .tables import GarbageReminderSent, GarbageRequest, GarbageSubscription

log = logging.getLogger(__name__)
JST = dt.timezone(dt.timedelta(hours=9))
LOCALES = Path(__file__).parent / "locales"
EVENING_FROM = 18
MORNING_FROM, MORNING_UNTIL = 6, 9
# Refusals that will not change by trying again: keep the record, do not retry.
FINAL_CODES = {"scope_missing", "quota_exceeded", "invalid", "not_found", "http_404", "http_403"}


def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "garbage",
        str(LOCALES),
        languages=[locale.replace("-", "_"), locale.split("-")[0]],
        fallback=True,
    )


def due(now: dt.datetime) -> list[tuple[str, dt.date]]:
    """Which reminders are due at ``now``: (timing, collection date)."""
    local = now.astimezone(JST)
    out = []
    if local.hour >= EVENING_FROM:
        out.append(("evening", local.date() + dt.timedelta(days=1)))
    if MORNING_FROM <= local.hour < MORNING_UNTIL:
        out.append(("morning", local.date()))
    return out


async def send_reminders(platform: Platform, now: dt.datetime | None = None) -> int:
    """Send every reminder due now that was not sent yet; returns how many were sent."""
    now = now or dt.datetime.now(dt.UTC)
    slots = due(now)
    if not slots:
        return 0
    labels = {c["id"]: c["label"] for c in await queries.categories()}
    subs = await GarbageSubscription.select().where(
        GarbageSubscription.reminders.eq(True) & GarbageSubscription.area.is_not_null()
    )
    sent = 0
    areas: dict[int, dict] = {}
    for timing, day in slots:
        for sub in subs:
            if sub["timing"] != timing:
                continue
            area = areas.get(sub["area"]) or await queries.area(sub["area"])
            if area is None:
                continue
            areas[sub["area"]] = area
            chosen = set(
                json.loads(sub["categories"])
                if isinstance(sub["categories"], str)
                else sub["categories"]
            )
            on_day = (await queries.dates_by_day(area, day, day)).get(day, [])
            wanted = [labels[c] for c in on_day if c in chosen and c in labels]
            if not wanted:
                continue
            key = f"{sub['subject']}|{day.isoformat()}|{timing}"
            if await GarbageReminderSent.exists().where(GarbageReminderSent.key == key):
                continue
            try:
                await GarbageReminderSent.insert(
                    GarbageReminderSent(
                        key=key,
                        subject=sub["subject"],
                        collection_date=day,
                        timing=timing,
                        sent_at=now,
                    )
                )
            except Exception:  # another run claimed it a moment ago (unique key)
                log.info("garbage reminder %s already claimed", key)
                continue
            t = translator(sub["locale"]).gettext
            title = t("明日のごみ出し") if timing == "evening" else t("今日のごみ出し")
            joiner = "、" if sub["locale"].startswith("ja") else ", "
            body = t("{area}：{categories}").format(
                area=area["name"], categories=joiner.join(t(w) for w in wanted)
            )
            try:
                await platform.notify(sub["subject"], title, body, url="/")
            except PlatformError as exc:
                if exc.code not in FINAL_CODES:
                    await GarbageReminderSent.delete().where(GarbageReminderSent.key == key)
                log.info("garbage reminder for %s not sent: %s", day, exc.code)
                continue
            sent += 1
    for timing, day in slots:
        if timing == "evening":
            sent += await _large_item_reminders(platform, day, now)
    return sent


async def _large_item_reminders(platform: Platform, day: dt.date, now: dt.datetime) -> int:
    """The evening before a large-item collection, remind the resident who booked it."""
    booked = await GarbageRequest.select().where(
        (GarbageRequest.collection_date == day) & (GarbageRequest.status == "booked")
    )
    sent = 0
    for request in booked:
        key = f"large|{request['number']}|evening"
        if await GarbageReminderSent.exists().where(GarbageReminderSent.key == key):
            continue
        try:
            await GarbageReminderSent.insert(
                GarbageReminderSent(
                    key=key,
                    subject=request["subject"],
                    collection_date=day,
                    timing="evening",
                    sent_at=now,
                )
            )
        except Exception:  # another run claimed it a moment ago (unique key)
            log.info("garbage reminder %s already claimed", key)
            continue
        sub = await queries.subscription(request["subject"])
        t = translator(sub["locale"] if sub else "ja").gettext
        body = t("明日は粗大ごみの収集日です。受付番号 {number} を貼って朝8時30分までに。")
        try:
            await platform.notify(
                request["subject"],
                t("粗大ごみの収集"),
                body.format(number=request["number"]),
                url="/large",
            )
        except PlatformError as exc:
            if exc.code not in FINAL_CODES:
                await GarbageReminderSent.delete().where(GarbageReminderSent.key == key)
            log.info("garbage large-item reminder not sent: %s", exc.code)
            continue
        sent += 1
    return sent
