"""Reminders: before each vaccination window opens and before it closes, information by the
child's age in months (data/childcare-info.toml), and the day before a booked interview.

Each notice is recorded under a unique key before it is sent, so a second run, or a second worker,
never sends it again; when the shell cannot take it right now the record is removed and a later
run tries again.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from machi_sdk import Platform, PlatformError
from machi_sdk.formatting import format_clock, format_day
from machi_sdk.i18n import best_language, shipped_in
from machi_sdk.i18n import load as load_catalog

from . import vaccines
from .actions import JST, is_unique_violation
from .data_messages import data_text
from .questionnaire import N_
from .tables import HandbookChild, HandbookDose, HandbookGuardian, HandbookInterview, HandbookNotice

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"
INFO = Path(__file__).parent / "data" / "childcare-info.toml"
OPENS_AHEAD = dt.timedelta(days=7)  # "the window opens next week"
CLOSES_AHEAD = dt.timedelta(days=14)  # "two weeks left"
INTERVIEW_AHEAD = dt.timedelta(hours=24)
FINAL_CODES = {"scope_missing", "quota_exceeded", "invalid", "not_found", "http_404", "http_403"}


def translator(locale: str) -> gettext.NullTranslations:
    """The app's catalog for a reader of ``locale``, chosen as its pages are (Easy Japanese's is
    ``ja_easy``; a language without one falls back to English, then Japanese)."""
    code = best_language(locale or "ja", shipped_in(LOCALES, "handbook"))
    return load_catalog(LOCALES, "handbook", code)


@cache
def childcare_info() -> dict[int, dict[str, Any]]:
    raw = tomllib.loads(INFO.read_text(encoding="utf-8"))
    return {int(m["month"]): m for m in raw["message"]}


def months_old(born: dt.date, on: dt.date) -> int:
    """The child's age in whole months on ``on`` (legal count: reached the day before)."""
    months = (on.year - born.year) * 12 + on.month - born.month + 1
    while months > 0 and vaccines.reached(born, months) > on:
        months -= 1
    return max(months, 0)


async def _send(
    platform: Platform, key: str, subject: str, title: str, body: str, url: str, now: dt.datetime
) -> bool:
    try:
        await HandbookNotice.insert(HandbookNotice(key=key[:200], subject=subject, sent_at=now))
    except Exception as exc:
        if is_unique_violation(exc):
            return False  # sent before
        raise
    try:
        await platform.notify(subject, title, body, url=url)
    except PlatformError as exc:
        if exc.code not in FINAL_CODES:
            await HandbookNotice.delete().where(HandbookNotice.key == key[:200])
        log.info("handbook notice %s not sent: %s", key, exc.code)
        return False
    return True


async def send_reminders(platform: Platform, now: dt.datetime | None = None) -> int:
    """Send every notice due now; returns how many were sent."""
    now = now or dt.datetime.now(dt.UTC)
    on = now.astimezone(JST).date()
    rules = vaccines.rules_for(on)
    sent = 0
    info = childcare_info()
    for child in await HandbookChild.select():
        people = await HandbookGuardian.select().where(HandbookGuardian.child == child["id"])
        if not people:
            continue
        given = {
            (r["vaccine"], r["dose"]): r["given_on"]
            for r in await HandbookDose.select().where(HandbookDose.child == child["id"])
        }
        url = f"/children/{child['id']}/plan"
        for item in vaccines.plan(child["birth_date"], given, on, rules, child["sex"]):
            if item.given is not None or item.status in ("not_needed", "missed"):
                continue
            vaccine = rules.vaccine(item.vaccine)
            for event, day in (("opens", item.earliest), ("closes", item.last)):
                ahead = OPENS_AHEAD if event == "opens" else CLOSES_AHEAD
                if not on <= day <= on + ahead:
                    continue
                if event == "opens" and (item.status == "due" or item.assumed):
                    # opened already; or it counts from a dose not given yet, so it moves
                    continue
                for person in people:
                    loc = person["locale"]
                    gt = translator(loc).gettext
                    name = data_text(vaccine.name, gt) if vaccine else item.vaccine
                    label = data_text(item.label, gt)
                    if event == "opens":
                        title = gt(N_("予防接種の時期が近づいています"))
                        body = gt(
                            N_("%(child)sさんの%(vaccine)s（%(dose)s）は%(date)sから受けられます。")
                        )
                    else:
                        title = gt(N_("予防接種の期限が近づいています"))
                        body = gt(
                            N_(
                                "%(child)sさんの%(vaccine)s（%(dose)s）の定期接種の期限は"
                                "%(date)sです。"
                            )
                        )
                    body = body % {
                        "child": child["name"],
                        "vaccine": name,
                        "dose": label,
                        "date": format_day(day, loc),
                    }
                    what = f"{child['id']}|{item.vaccine}|{item.dose}|{day}"
                    key = f"{event}|{what}|{person['subject']}"
                    sent += await _send(platform, key, person["subject"], title, body, url, now)
        month = months_old(child["birth_date"], on)
        message = info.get(month)
        if message:
            for person in people:
                gt = translator(person["locale"]).gettext
                key = f"info|{child['id']}|{month}|{person['subject']}"
                sent += await _send(
                    platform,
                    key,
                    person["subject"],
                    data_text(message["title"], gt),
                    data_text(message["body"], gt),
                    f"/children/{child['id']}",
                    now,
                )
    upcoming = await HandbookInterview.select().where(
        (HandbookInterview.status == "booked")
        & (HandbookInterview.starts_at > now)
        & (HandbookInterview.starts_at <= now + INTERVIEW_AHEAD)
    )
    for item in upcoming:
        loc = item["locale"]
        gt = translator(loc).gettext
        local = item["starts_at"].astimezone(JST)
        body = gt(N_("%(date)s %(time)s から%(place)sで面談です。")) % {
            "date": format_day(local, loc, "day"),
            "time": format_clock(local, loc),
            "place": item["place"],
        }
        key = f"interview|{item['id']}|{item['starts_at'].isoformat()}"
        sent += await _send(
            platform, key, item["owner"], gt(N_("明日は面談の日です")), body, "/interviews", now
        )
    return sent
