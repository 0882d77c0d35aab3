"""Background work: tell riders when the bus leaves for them and when it is close, and
re-optimise today's and tomorrow's plans. Both are idempotent (flags on each request)."""

from __future__ import annotations

import datetime as dt
import gettext
import logging
from pathlib import Path

from machi_sdk import Platform, PlatformError

from . import actions, live, queries, rules
from .tables import BusRequest

log = logging.getLogger("machi.bus")
LOCALES = Path(__file__).parent / "locales"
#: "The bus is close" when it is due within this many minutes.
CLOSE_MINUTES = 5


def translator(locale: str) -> gettext.NullTranslations:
    return gettext.translation(
        "bus", str(LOCALES), languages=[locale.replace("-", "_"), locale.split("-")[0]],
        fallback=True,
    )  # fmt: skip


async def _notify(platform: Platform, subject: str, title: str, body: str, url: str) -> bool:
    try:
        await platform.notify(subject, title, body, url)
    except PlatformError as exc:  # not granted, muted, over quota: the ride page shows it too
        log.info("bus: no notification for a rider (%s)", exc.code)
        return False
    return True


async def send_notices(platform: Platform) -> int:
    """For each bus on the road today: the rider whose pickup is its next stop hears that the
    bus has left for them (once), and that it is close when it is due within
    :data:`CLOSE_MINUTES` (once). How many notifications were sent."""
    day = rules.today()
    loaded = await live.load(day)
    now = rules.minute_now()
    sent = 0
    for bus in loaded.plan.buses:
        if not bus.on_road or not bus.route or not bus.route[0][1]:
            continue
        row = await queries.ride(loaded.requests[bus.route[0][0]]["number"])
        if row is None or row["rider_subject"] is None or row["status"] != "booked":
            continue
        t = translator(row["rider_locale"] or "ja").gettext
        url = f"/rides/{row['number']}"
        values = {"stop": row["pickup_name"], "time": rules.hhmm(row["planned_pickup"])}
        if not row["told_leaving"]:
            await BusRequest.update({BusRequest.told_leaving: True}).where(
                BusRequest.id == row["id"]
            )
            body = t("バスが%(stop)sに向かっています。%(time)sごろ着きます。") % values
            sent += await _notify(platform, row["rider_subject"], t("バスが出発しました"),
                                  body, url)  # fmt: skip
        if not row["told_close"] and row["planned_pickup"] - now <= CLOSE_MINUTES:
            await BusRequest.update({BusRequest.told_close: True}).where(BusRequest.id == row["id"])
            body = t("まもなく%(stop)sにバスが着きます（%(time)sごろ）。") % values
            sent += await _notify(platform, row["rider_subject"], t("バスがまもなく到着します"),
                                  body, url)  # fmt: skip
    return sent


async def reoptimise(platform: Platform) -> None:
    """Improve today's and tomorrow's plans (a few seconds of OR-Tools each, off the loop)."""
    for day in (rules.today(), rules.today() + dt.timedelta(days=1)):
        try:
            await actions.reoptimise(day, seconds=2.0)
        except Exception:  # a background improvement must never take the service down
            log.exception("bus: re-optimisation of %s failed", day)
