"""The leak rule and the notices job.

A bill suggests a leak when its usage is more than 1.5 times the usage of the same period last
year (the bill read 330-400 days before) AND at least 10 m3 more (for a two-month bill; 5 m3 for
one month). Without a bill a year before, the previous bill is the comparison. Only the latest
bill of an account is judged (an old jump is history, not news).

The job sends, once each (recorded in ``water_notice`` under a unique key before sending):
a "new bill" notice for every bill posted after the resident linked the account, and a leak
notice for the latest bill when it suggests a leak.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gettext
import logging
from pathlib import Path
from typing import Any

from machi_sdk import Platform, PlatformError
from machi_sdk.formatting import format_day, format_number

from . import queries
from .tables import WaterLink, WaterNotice

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"
RATIO = 1.5
MIN_EXTRA_M3_PER_MONTH = 5
FINAL_CODES = {"scope_missing", "quota_exceeded", "invalid", "not_found", "http_404", "http_403"}


def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "water", str(LOCALES), languages=[locale.replace("-", "_"), locale.split("-")[0]],
        fallback=True,
    )  # fmt: skip


def suggests_leak(latest: dict[str, Any], history: list[dict[str, Any]]) -> dict | None:
    """The comparison bill when ``latest`` suggests a leak, else None."""
    earlier = [b for b in history if b["reading_date"] < latest["reading_date"]]
    base = queries.same_period_last_year(latest, earlier) or (
        max(earlier, key=lambda b: b["reading_date"]) if earlier else None
    )
    if base is None:
        return None
    extra = latest["m3"] - base["m3"]
    if latest["m3"] > RATIO * base["m3"] and extra >= MIN_EXTRA_M3_PER_MONTH * latest["months"]:
        return base
    return None


async def _claim(key: str, subject: str, kind: str, now: dt.datetime) -> bool:
    if await WaterNotice.exists().where(WaterNotice.key == key):
        return False
    try:
        await WaterNotice.insert(WaterNotice(key=key, subject=subject, kind=kind, sent_at=now))
    except Exception:  # another run claimed it a moment ago (unique key)
        return False
    return True


async def _send(
    platform: Platform, key: str, subject: str, title: str, body: str, url: str
) -> bool:
    try:
        await platform.notify(subject, title, body, url=url)
    except PlatformError as exc:
        if exc.code not in FINAL_CODES:
            await WaterNotice.delete().where(WaterNotice.key == key)
        log.info("water notice %s not sent: %s", key, exc.code)
        return False
    return True


async def send_notices(
    platform: Platform, now: dt.datetime | None = None, *, subject: str | None = None
) -> int:
    """Send every due notice not sent yet (only ``subject``'s when given); returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    sent = 0
    links = WaterLink.select().order_by(WaterLink.id)
    if subject is not None:
        links = links.where(WaterLink.subject == subject)
    for link in await links:
        history = await queries.bills(link["account"])
        if not history:
            continue
        t = translator(link["locale"]).gettext
        for row in history:
            if row["posted_at"] <= link["created_at"]:
                continue
            key = f"bill|{link['subject']}|{row['id']}"
            if not await _claim(key, link["subject"], "bill", now):
                continue
            body = t("{date}検針分 {m3}㎥ 請求金額 {total}円（納期限 {due}）").format(
                date=format_day(row["reading_date"], link["locale"]), m3=row["m3"],
                total=format_number(row["total"], link["locale"]),
                due=format_day(row["due_date"], link["locale"]),
            )  # fmt: skip
            if await _send(platform, key, link["subject"], t("水道料金の新しい請求"), body,
                           f"/bills/{row['id']}"):  # fmt: skip
                sent += 1
        latest = history[0]
        base = suggests_leak(latest, history[1:])
        if base is not None:
            key = f"leak|{link['subject']}|{latest['id']}"
            if await _claim(key, link["subject"], "leak", now):
                body = t(
                    "今回の使用水量 {m3}㎥ は比較した期間（{base}㎥）の{ratio}倍です。"
                    "蛇口を全部閉めてメーターのパイロットが回っていれば漏水の疑いがあります。"
                ).format(
                    m3=latest["m3"],
                    base=base["m3"],
                    ratio=f"{latest['m3'] / max(base['m3'], 1):.1f}",
                )
                if await _send(platform, key, link["subject"], t("漏水の疑いがあります"), body,
                               f"/bills/{latest['id']}"):  # fmt: skip
                    sent += 1
                    with contextlib.suppress(PlatformError):
                        await platform.kpi("leak_alerts")
    return sent
