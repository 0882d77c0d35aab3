"""What the resident's and the staff's pages share: messages, the booking form, refunds."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from litestar import Request
from machi_sdk import PlatformError
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, live, queries, rules
from .permissions import is_staff
from .text import PAYMENT_LABELS, REFUSALS, STATUS_LABELS


def gettext_for(request: Request[Any, Any, Any], resident: Resident) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(resident.locale).gettext


def refusal(request: Request[Any, Any, Any], resident: Resident, exc: actions.Refused) -> str:
    text = str(gettext_for(request, resident)(REFUSALS.get(exc.reason, exc.reason)))
    return text % exc.values if exc.values else text


def base(resident: Resident) -> dict[str, Any]:
    return {"hhmm": rules.hhmm, "status_labels": STATUS_LABELS,
            "payment_labels": PAYMENT_LABELS, "is_staff": is_staff(resident), "error": None,
            "message": None}  # fmt: skip


async def count(platform: Platform, kpi: str, value: int = 1) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi, value)


def as_int(text: Any, default: int = 0) -> int:
    try:
        return int(str(text).strip() or default)
    except ValueError:
        return default


async def _place(form: Any, prefix: str, conf: dict[str, Any]) -> int:
    """A stop id from the form: chosen from the list, or the stop nearest a map point."""
    chosen = str(form.get(f"{prefix}_stop", "")).strip()
    lat = str(form.get(f"{prefix}_lat", "")).strip()
    lon = str(form.get(f"{prefix}_lon", "")).strip()
    if chosen:
        if not chosen.isdigit():
            raise actions.Refused("unknown_stop")
        return int(chosen)
    if not lat and not lon:
        raise actions.Refused("no_place")
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        raise actions.Refused("bad_point") from None
    stop, far = rules.nearest_stop(await queries.stops(), latitude, longitude)
    if stop is None or far > conf["service_radius"]:
        raise actions.Refused("outside_area")
    return int(stop["id"])


async def wish_from(form: Any) -> actions.Wish:
    """The booking form as a :class:`actions.Wish` (both the resident's and the operator's)."""
    conf = await live.settings()
    pickup, drop = await _place(form, "from", conf), await _place(form, "to", conf)
    try:
        if form.get("when", "now") == "now":
            day, minute = rules.today(), rules.minute_now()
        else:
            day = dt.date.fromisoformat(str(form.get("day", "")))
            minute = rules.parse_hhmm(str(form.get("time", "")))
    except ValueError:
        raise actions.Refused("bad_time") from None
    riders = as_int(form.get("riders"), 1)
    return actions.Wish(pickup, drop, day, float(minute), riders, form.get("wheelchair") == "1")


async def refund(platform: Platform, row: dict[str, Any], amount: int) -> None:
    """Give ``amount`` of the fare back through the shell (idempotent by reference)."""
    if amount <= 0:
        return
    try:
        await platform.refund_payment(row["number"], amount, f"{row['number']}:refund")
    except PlatformError:
        return  # left as paid: the operator sees it and refunds at the counter
    await actions.set_payment(row["id"], "refunded", amount)
