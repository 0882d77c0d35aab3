"""Facility managers (role ``facility_manager``, or ``admin``): check in by the permit's QR,
approve or refuse requests, take counter payments and refunds, define facilities, blackouts and
lotteries, read occupancy (稼働率) and the online share, test a door code on the local lock."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, queries, rules
from .jobs import translator
from .locks import LocalLock
from .text import KIND_LABELS, REFUSALS

STAFF_ROLES = ("facility_manager", "admin")
#: What the facility form shows for a new facility.
NEW_FACILITY = {
    "id": "", "name": "", "kind": "room", "place": "", "address": "", "capacity": "",
    "opens": 540, "closes": 1260, "slot_minutes": 60, "weekdays": "0123456", "fee_resident": 0,
    "fee_nonresident": 0, "discount_percent": 0, "cancel_free_days": 7, "cancel_late_percent": 50,
    "lock_id": "", "equipment": "", "rules": "", "approval": False, "barrier_free": False,
}  # fmt: skip
FIGURE_DAYS = 28


def is_staff(resident: Resident) -> bool:
    return any(resident.has_role(role) for role in STAFF_ROLES)


async def _audit(platform: Platform, resident: Resident, action: str, subject: str) -> None:
    with contextlib.suppress(PlatformError):  # recorded in the app's own log in any case
        await platform.audit(resident, action, subject)


async def _tell_decision(platform: Platform, order: dict[str, Any]) -> None:
    """The resident hears of the approval (with the fee to pay) or the refusal and its reason."""
    t = translator(order["locale"]).gettext
    if order["status"] == "booked":
        title, body = (
            t("予約を承認しました"),
            t("%(name)s の予約が確定しました。") % {"name": order["facility_name"]},
        )
    else:
        title = t("予約をお受けできませんでした")
        body = t("%(name)s: %(reason)s") % {
            "name": order["facility_name"],
            "reason": order["reason"],
        }
    with contextlib.suppress(PlatformError):  # not granted or muted: the page shows it too
        await platform.notify(order["subject"], title, body[:1000], f"/orders/{order['number']}")


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(resident.locale).gettext


async def _context(resident: Resident) -> dict[str, Any]:
    from .routes import PAYMENT_LABELS, STATUS_LABELS

    today = rules.today()
    half = FIGURE_DAYS // 2
    figures = await queries.figures(
        today - dt.timedelta(days=half), today + dt.timedelta(days=half - 1)
    )
    orders = await queries.all_orders()
    return {
        "hhmm": rules.hhmm,
        "denied": None,
        "error": None,
        "message": None,
        "kinds": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "payment_labels": PAYMENT_LABELS,
        "figures": figures,
        "figure_days": FIGURE_DAYS,
        "requests": [o for o in orders if o["status"] == "requested"],
        "orders": orders,
        "facilities": await queries.search(),
        "lotteries": await queries.lotteries(),
        "audit": await queries.audit_log(20),
        "checked": None,
        "door": None,
        "editing": None,
        "e": NEW_FACILITY,
    }


def _forbidden(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    t = _t(request, resident)
    text = t("この画面は施設管理担当の職員だけが使えます。")
    return render(request, "booking/staff.html", {"denied": text}, status_code=403)


@get("/staff", name="booking:staff", guards=[requires_scopes()])
async def staff_page(
    request: Request, resident: ResidentDep, facility: FromQuery[str] = ""
) -> Response[str]:
    """The managers' page; ``facility`` picks the facility whose settings the form shows."""
    if not is_staff(resident):
        return _forbidden(request, resident)
    context = await _context(resident)
    if facility.isdigit():
        context["editing"] = await queries.facility(int(facility))
        context["e"] = context["editing"] or NEW_FACILITY
    return render(request, "booking/staff.html", context)


def _facility_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("name", "kind", "place", "address", "equipment", "rules", "lock_id"):
        if key in form:
            values[key] = str(form.get(key, "")).strip()
    for key in (
        "capacity",
        "slot_minutes",
        "fee_resident",
        "fee_nonresident",
        "discount_percent",
        "cancel_free_days",
        "cancel_late_percent",
    ):
        if str(form.get(key, "")).strip():
            try:
                values[key] = int(str(form.get(key)))
            except ValueError:
                raise actions.Refused("bad_fee") from None
    for key in ("opens", "closes"):
        if str(form.get(key, "")).strip():
            try:
                values[key] = rules.parse_hhmm(str(form.get(key)))
            except ValueError:
                raise actions.Refused("bad_hours") from None
    if "weekday" in form:
        values["weekdays"] = "".join(sorted(set(form.getall("weekday"))))
    values["approval"] = form.get("approval") == "1"
    values["barrier_free"] = form.get("barrier_free") == "1"
    return values


def _date(form: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(form.get(key, "")))
    except ValueError:
        raise actions.Refused("bad_date") from None


@post("/staff/{what:str}", name="booking:staff_action", guards=[requires_scopes()])
async def staff_action(
    request: Request, resident: ResidentDep, platform: PlatformDep, what: FromPath[str]
) -> Response[str]:
    """One manager's change; a refusal changes nothing and says why."""
    if not is_staff(resident):
        return _forbidden(request, resident)
    t = _t(request, resident)
    form = await request.form()
    extra: dict[str, Any] = {}
    try:
        if what == "checkin":
            order = await actions.check_in(str(form.get("qr", "")), resident.id)
            await _audit(platform, resident, "booking.check_in", order["number"])
            extra["checked"] = order
            message = t("受付しました: %(number)s") % {"number": order["number"]}
        elif what in ("approve", "refuse"):
            number = str(form.get("number", ""))
            order = await actions.decide(
                number,
                approve=what == "approve",
                reason=str(form.get("reason", "")),
                actor=resident.id,
            )
            await _audit(platform, resident, f"booking.{what}", number)
            await _tell_decision(platform, order)
            message = t("保存しました。")
        elif what in ("paid", "refunded"):
            number = str(form.get("number", ""))
            await actions.staff_payment(number, what, resident.id)
            await _audit(platform, resident, f"booking.{what}", number)
            message = t("保存しました。")
        elif what == "facility":
            raw = str(form.get("facility_id", "")).strip()
            facility_id = int(raw) if raw.isdigit() else None
            await actions.save_facility(_facility_values(form), facility_id)
            message = t("保存しました。")
        elif what == "blackout":
            await actions.add_blackout(
                int(str(form.get("facility_id", "0")) or 0),
                _date(form, "start"),
                _date(form, "end"),
                str(form.get("reason", "")),
            )
            message = t("保存しました。")
        elif what == "lottery":
            until = _date(form, "apply_until")
            await actions.open_lottery(
                int(str(form.get("facility_id", "0")) or 0),
                _date(form, "first_day"),
                _date(form, "last_day"),
                rules.starts_at(until, 17 * 60),
                actor=resident.id,
            )
            message = t("保存しました。")
        elif what == "counter":
            # A booking taken at the counter (phone or walk-in): paid there, counted apart.
            day = _date(form, "day")
            try:
                start = rules.parse_hhmm(str(form.get("start", "")))
                count = max(int(str(form.get("slots", "1")) or 1), 1)
                people = int(str(form.get("people", "1")) or 1)
            except ValueError:
                raise actions.Refused("outside_hours") from None
            facility_id = int(str(form.get("facility_id", "0")) or 0)
            row = await queries.facility(facility_id)
            step = int(row["slot_minutes"]) if row else 60
            order = await actions.book(
                f"counter:{resident.id}", facility_id, day,
                [start + n * step for n in range(count)], people=people, channel="counter",
                claims={"resident.verified": form.get("resident") == "1"},
                purpose=str(form.get("purpose", "")),
            )  # fmt: skip
            await actions.set_payment(None, order["number"], "at_counter")
            with contextlib.suppress(PlatformError):
                await platform.kpi("bookings_counter")
            message = t("窓口の予約を受け付けました: %(number)s") % {"number": order["number"]}
        elif what == "photo":
            upload = form.get("photo")
            data = await upload.read() if isinstance(upload, UploadFile) else b""
            await actions.add_photo(int(str(form.get("facility_id", "0")) or 0), data,
                                    str(form.get("caption", "")))  # fmt: skip
            message = t("保存しました。")
        elif what == "door":
            opens = await LocalLock().opens(
                str(form.get("lock_id", "")).strip(), str(form.get("pin", "")).strip(), rules.now()
            )
            extra["door"] = opens
            message = t("解錠できます。") if opens else t("この番号では今は解錠できません。")
        else:
            return Response("not found", status_code=404, media_type="text/plain")  # type: ignore[return-value]
    except actions.Refused as exc:
        context = await _context(resident)
        context["error"] = t(REFUSALS.get(exc.reason, exc.reason))
        return render(request, "booking/staff.html", context, status_code=422)
    context = await _context(resident)
    context.update(message=message, **extra)
    return render(request, "booking/staff.html", context)


STAFF_ROUTES = [staff_page, staff_action]
