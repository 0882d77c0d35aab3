"""Reminders for residents who may have forgotten: a correction request unanswered for three days,
a fee unpaid for a day. Each is sent once (a row in ``apply_reminder`` under a unique key, so a
job that runs twice sends nothing twice), in the resident's language, through ``notify``."""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from pathlib import Path

from machi_sdk.i18n import N_
from machi_sdk.platform import Platform, PlatformError

from .tables import ApplyEvent, ApplyReminder, ApplySubmission

log = logging.getLogger("machi.apply.reminders")
LOCALES = Path(__file__).parent / "locales"
CORRECTION_AFTER = dt.timedelta(days=3)
PAYMENT_AFTER = dt.timedelta(days=1)
# the shell refused for good (muted, no grant, unknown resident): do not try again
FINAL_CODES = {"scope_missing", "forbidden", "invalid", "not_found", "http_404", "http_403"}



def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "apply", str(LOCALES), languages=[locale.replace("-", "_"), locale.split("-")[0]],
        fallback=True,
    )  # fmt: skip


async def _claim(key: str, subject: str, now: dt.datetime) -> bool:
    if await ApplyReminder.exists().where(ApplyReminder.key == key):
        return False
    try:
        await ApplyReminder.insert(ApplyReminder(key=key, subject=subject, sent_at=now))
    except Exception:  # another run claimed it a moment ago (unique key)
        return False
    return True


async def send_reminders(platform: Platform, now: dt.datetime | None = None) -> int:
    """Send every reminder due and not sent yet; returns how many were sent."""
    now = now or dt.datetime.now(dt.UTC)
    sent = 0
    waiting = await ApplySubmission.select(
        ApplySubmission.id, ApplySubmission.number, ApplySubmission.subject,
        ApplySubmission.status, ApplySubmission.locale, ApplySubmission.submitted_at,
    ).where(ApplySubmission.status.is_in(["correction", "payment"]))  # fmt: skip
    for app in waiting:
        t = translator(app["locale"]).gettext
        if app["status"] == "correction":
            asked = (
                await ApplyEvent.select(ApplyEvent.id, ApplyEvent.at)
                .where((ApplyEvent.submission == app["id"]) & (ApplyEvent.status == "correction"))
                .order_by(ApplyEvent.id, ascending=False)
                .first()
            )
            if asked is None or now - asked["at"] < CORRECTION_AFTER:
                continue
            key = f"correction|{app['id']}|{asked['id']}"
            title = t(N_("補正のお願いへのお返事をお待ちしています"))
        else:
            if app["submitted_at"] is None or now - app["submitted_at"] < PAYMENT_AFTER:
                continue
            key = f"payment|{app['id']}"
            title = t(N_("手数料のお支払いをお待ちしています"))
        if not await _claim(key, app["subject"], now):
            continue
        try:
            await platform.notify(app["subject"], title, app["number"], f"/a/{app['number']}")
        except PlatformError as exc:
            if exc.code not in FINAL_CODES:  # try again at the next run
                await ApplyReminder.delete().where(ApplyReminder.key == key)
            log.info("apply reminder %s not sent: %s", key, exc.code)
            continue
        sent += 1
    return sent
