"""Background work: notices (a hold ready to collect, a due date in two days), expiring holds not
collected, and the title-to-title recommendations.

Each notice is recorded under a unique key before it is sent, so a second run, or a second
worker, never sends it again; when the shell cannot take it right now the record is removed and a
later run tries again.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from pathlib import Path

from machi_sdk import Platform, PlatformError, among
from machi_sdk.formatting import format_day

from . import actions
from .tables import (
    LibraryHistory,
    LibraryHold,
    LibraryLoan,
    LibraryNotice,
    LibraryPatron,
    LibraryRelated,
    LibraryShelf,
    LibraryTitle,
)

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"
DUE_SOON = dt.timedelta(days=2)
FINAL_CODES = {"scope_missing", "quota_exceeded", "invalid", "not_found", "http_404", "http_403"}
#: A pair of titles is "borrowed together" only when at least this many different people did.
MIN_BORROWERS = 3
BORROWED_WEIGHT = 10
SUBJECT_NEIGHBOURS = 8


def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation("library", str(LOCALES),
                               languages=[locale.replace("-", "_"), locale.split("-")[0]],
                               fallback=True)  # fmt: skip


async def _send(platform: Platform, key: str, subject: str, title: str, body: str, url: str,
                now: dt.datetime) -> bool:  # fmt: skip
    if await LibraryNotice.exists().where(LibraryNotice.key == key):
        return False
    try:
        await LibraryNotice.insert(LibraryNotice(key=key, subject=subject, sent_at=now))
    except Exception:
        return False
    try:
        await platform.notify(subject, title, body, url=url)
    except PlatformError as exc:
        if exc.code not in FINAL_CODES:
            await LibraryNotice.delete().where(LibraryNotice.key == key)
        log.info("library notice %s not sent: %s", key, exc.code)
        return False
    return True


async def send_notices(platform: Platform, now: dt.datetime | None = None,
                       subject: str | None = None) -> int:  # fmt: skip
    """Send every notice due now (only ``subject``'s when given); returns how many were sent."""
    now = now or dt.datetime.now(dt.UTC)
    on = now.astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    if subject is None:
        await actions.expire_holds(on)
    sent = 0
    ready = LibraryHold.select(
        LibraryHold.id, LibraryHold.keep_until, LibraryHold.title.title.as_alias("title_name"),
        LibraryHold.pickup.name.as_alias("pickup_name"),
        LibraryHold.pickup.name_en.as_alias("pickup_name_en"),
        LibraryHold.patron.subject.as_alias("subject"),
        LibraryHold.patron.locale.as_alias("locale"),
    ).where(LibraryHold.status == "ready")  # fmt: skip
    if subject is not None:
        ready = ready.where(LibraryHold.patron.subject == subject)
    for hold in await ready:
        loc = hold["locale"]
        t = translator(loc).gettext
        branch = hold["pickup_name_en"] or hold["pickup_name"] if not loc.startswith("ja") \
            else hold["pickup_name"]
        body = t("「{title}」を{branch}でお受け取りいただけます（{date}まで）。").format(
            title=hold["title_name"], branch=branch,
            date=format_day(hold["keep_until"], loc, "day"))
        sent += await _send(platform, f"ready|{hold['id']}", hold["subject"],
                            t("予約の本が用意できました"), body, "/me", now)  # fmt: skip
    due = LibraryLoan.select(
        LibraryLoan.id, LibraryLoan.due_on, LibraryLoan.title.title.as_alias("title_name"),
        LibraryLoan.patron.subject.as_alias("subject"),
        LibraryLoan.patron.locale.as_alias("locale"),
    ).where(LibraryLoan.returned_on.is_null() & (LibraryLoan.due_on <= on + DUE_SOON)
            & (LibraryLoan.due_on >= on) & LibraryLoan.patron.is_not_null())  # fmt: skip
    if subject is not None:
        due = due.where(LibraryLoan.patron.subject == subject)
    for loan in await due:
        loc = loan["locale"]
        t = translator(loc).gettext
        text = t("「{title}」の返却期限は{date}です。延長は「わたしの図書館」からできます。")
        body = text.format(title=loan["title_name"], date=format_day(loan["due_on"], loc, "day"))
        sent += await _send(platform, f"due|{loan['id']}|{loan['due_on'].isoformat()}",
                            loan["subject"], t("返却期限が近づいています"), body, "/me", now)
    return sent


async def compute_related(platform: Platform | None = None) -> int:
    """Rebuild the title-to-title table from co-borrowing (reading histories their owners turned
    on, each pair counted over at least MIN_BORROWERS people) and from shared subjects, for the
    titles someone has borrowed or kept. Stores no person; returns the number of pairs."""
    per_patron: dict[int, list[int]] = {}
    for row in await LibraryHistory.select(LibraryHistory.patron, LibraryHistory.title).where(
            LibraryHistory.patron.history_on.eq(True)).order_by(
            LibraryHistory.borrowed_on, ascending=False):  # fmt: skip
        kept = per_patron.setdefault(row["patron"], [])
        if len(kept) < 50:
            kept.append(row["title"])
    pairs: dict[tuple[int, int], int] = {}
    for titles in per_patron.values():
        for a in titles:
            for b in titles:
                if a != b:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
    scores = {p: n * BORROWED_WEIGHT for p, n in pairs.items() if n >= MIN_BORROWERS}
    reasons = dict.fromkeys(scores, "borrowed")
    seeds = {r["title"] for r in await LibraryLoan.select(LibraryLoan.title).where(
        LibraryLoan.patron.is_not_null())}  # fmt: skip
    seeds |= {r["title"] for r in await LibraryShelf.select(LibraryShelf.title)}
    seeds |= {t for titles in per_patron.values() for t in titles}
    subjects: dict[int, str] = {}
    if seeds:
        for r in await LibraryTitle.select(LibraryTitle.id, LibraryTitle.subject).where(
                among(LibraryTitle.id, list(seeds))):  # fmt: skip
            first = r["subject"].split(";")[0].strip()
            if first:
                subjects[r["id"]] = first
    for title_id, subject in subjects.items():
        near = await LibraryTitle.select(LibraryTitle.id).where(
            (LibraryTitle.subject == subject) | LibraryTitle.subject.like(f"{subject};%")
        ).order_by(LibraryTitle.id).limit(SUBJECT_NEIGHBOURS + 1)  # fmt: skip
        for n in near:
            if n["id"] != title_id and (title_id, n["id"]) not in scores:
                scores[(title_id, n["id"])] = 1
                reasons[(title_id, n["id"])] = "subject"
    async with LibraryRelated._meta.db.transaction():
        await LibraryRelated.delete(force=True)
        batch = [LibraryRelated(key=f"{a}|{b}", title=a, other=b, score=s, reason=reasons[(a, b)])
                 for (a, b), s in scores.items()]  # fmt: skip
        for i in range(0, len(batch), 500):
            await LibraryRelated.insert(*batch[i : i + 500])
    return len(scores)


async def patron_locale(subject: str) -> str:
    row = await LibraryPatron.select(LibraryPatron.locale).where(
        LibraryPatron.subject == subject).first()  # fmt: skip
    return row["locale"] if row else "ja"
