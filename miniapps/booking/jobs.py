"""The periodic job: draw lotteries whose application period is over, tell each applicant the
result (winners with the deadline to pay), and release wins not paid in time.

It may run twice (at least once per period, possibly on two workers): a draw happens once
(:func:`actions.draw` claims the lottery first), each applicant is told once (``notified`` is set
before sending), a release happens once.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from pathlib import Path

from machi_sdk import Platform, PlatformError
from machi_sdk.formatting import format_day, format_moment

from . import actions, queries, rules
from .tables import BookingEntry, BookingLottery, BookingOrder

log = logging.getLogger(__name__)
LOCALES = Path(__file__).parent / "locales"


def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "booking",
        str(LOCALES),
        languages=[locale.replace("-", "_"), locale.split("-")[0]],
        fallback=True,
    )


async def _notify(platform: Platform, subject: str, title: str, body: str, url: str) -> None:
    try:
        await platform.notify(subject, title, body, url)
    except PlatformError as exc:  # not granted, muted, over quota: the page still shows it
        log.info("booking notification not sent: %s", exc.code)


async def run(platform: Platform, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or rules.now()
    due = await BookingLottery.select(BookingLottery.id).where(
        ((BookingLottery.status == "open") & (BookingLottery.apply_until <= now))
        | (
            (BookingLottery.status == "drawing")
            & (BookingLottery.drawn_at < now - actions.STALE_DRAW)
        )
    )
    for row in due:
        await actions.draw(row["id"], now=now)
    told = 0
    pending = await BookingEntry.select().where(
        BookingEntry.result.is_in(["won", "lost"]) & BookingEntry.notified.eq(False)
    )
    for entry in pending:
        claimed = (
            await BookingEntry.update({BookingEntry.notified: True})
            .where((BookingEntry.id == entry["id"]) & BookingEntry.notified.eq(False))
            .returning(BookingEntry.id)
        )
        if not claimed:
            continue
        t = translator(entry["locale"]).gettext
        lot = await queries.lottery(entry["lottery"])
        name = lot["facility_name"] if lot else ""
        if entry["result"] == "won":
            order = await queries.order(entry["order_number"])
            deadline = (order["pay_by"] if order and order["pay_by"] else now).astimezone(rules.JST)
            won_day, won_time = entry["won"].split(" ")  # kept as "YYYY-MM-DD HH:MM"
            won_label = format_day(dt.date.fromisoformat(won_day), entry["locale"], "day")
            body = t("%(name)s %(slot)s に当選しました。%(deadline)s までにお支払いください。") % {
                "name": name,
                "slot": f"{won_label} {won_time}",
                "deadline": format_moment(deadline, entry["locale"], "day"),
            }
            await _notify(
                platform,
                entry["subject"],
                t("抽選に当選しました"),
                body,
                f"/orders/{entry['order_number']}",
            )
        else:
            body = t("%(name)s の抽選は落選でした。空いている枠は先着順で予約できます。") % {
                "name": name
            }
            await _notify(
                platform, entry["subject"], t("抽選の結果"), body, f"/lotteries/{entry['lottery']}"
            )
        told += 1
    released = await actions.release_unpaid(now=now)
    for number in released:
        order = (
            await BookingOrder.select(BookingOrder.subject, BookingOrder.locale)
            .where(BookingOrder.number == number)
            .first()
        )
        if order:
            t = translator(order["locale"]).gettext
            await _notify(
                platform,
                order["subject"],
                t("当選を取り消しました"),
                t("期限までにお支払いがなかったため、枠を先着順の予約に戻しました。"),
                f"/orders/{number}",
            )
    return {"drawn": len(due), "told": told, "released": len(released)}
