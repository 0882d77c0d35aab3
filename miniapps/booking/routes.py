"""The booking pages: residents search, book, pay, cancel; managers run the facilities."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.app import PUBLIC_OPT
from machi_sdk.formatting import format_day, format_yen
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident
from machi_sdk.web import VARY, is_htmx, render_to_string
from markupsafe import Markup

from . import actions, queries, rules
from .ical import order_ics
from .permit import permit_pdf, qr_svg, qr_text
from .staff import STAFF_ROUTES, is_staff
from .text import KIND_LABELS, N_, REFUSALS
from .views import BoundedCache, grid_rows

STATUS_LABELS = {
    "requested": N_("承認待ち"),
    "booked": N_("予約済み"),
    "cancelled": N_("取消し"),
    "refused": N_("お断り"),
    "released": N_("期限切れで取消し"),
}
PAYMENT_LABELS = {
    "unpaid": N_("未払い"),
    "wallet_pending": N_("お支払い待ち"),
    "paid": N_("支払い済み"),
    "free": N_("無料"),
    "at_counter": N_("窓口で支払い"),
    "refund_due": N_("返金手続き中"),
    "refunded": N_("返金済み"),
}


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(resident.locale).gettext


def _error(request: Request[Any, Any, Any], resident: Resident, reason: str) -> str:
    return str(_t(request, resident)(REFUSALS.get(reason, reason)))


def _base(resident: Resident) -> dict[str, Any]:
    return {
        "hhmm": rules.hhmm,
        "kinds": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "payment_labels": PAYMENT_LABELS,
        "is_staff": is_staff(resident),
        "error": None,
        "message": None,
    }


async def _count(platform: Platform, kpi: str) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi)


def _int(text: Any, default: int = 0) -> int:
    try:
        return int(str(text).strip() or default)
    except ValueError:
        return default


@get("/", name="booking:index", guards=[requires_scopes()])
async def index(
    request: Request,
    resident: ResidentDep,
    kind: FromQuery[str] = "",
    place: FromQuery[str] = "",
    capacity: FromQuery[str] = "",
    equipment: FromQuery[str] = "",
    barrier_free: FromQuery[str] = "",
    day: FromQuery[str] = "",
    at: FromQuery[str] = "",
) -> Response[str]:
    """Search facilities by kind, place, capacity, equipment, accessibility and free time."""
    context = _base(resident)
    filters = {
        "kind": kind if kind in queries.KINDS else "",
        "place": place.strip()[:100],
        "capacity": max(_int(capacity), 0),
        "equipment": equipment.strip()[:100],
        "barrier_free": barrier_free == "1",
    }
    free_day = free_at = None
    try:
        free_day = dt.date.fromisoformat(day) if day else None
        free_at = rules.parse_hhmm(at) if at and free_day else None
    except ValueError:
        context["error"] = _error(request, resident, "bad_date")
    results = await queries.search(**filters, free_day=free_day, free_at=free_at)
    context.update(
        results=results,
        filters={**filters, "day": day, "at": at},
        today=rules.today().isoformat(),
        lotteries=[lo for lo in await queries.lotteries() if lo["status"] == "open"],
    )
    return render(request, "booking/index.html", context)


def _label_cells(grid: dict[str, Any], t: Any, locale: str) -> None:
    """What a screen reader says for each cell, made once here (the page is polled)."""
    unavailable = t("予約できません")
    words = {"free": t("空き"), "taken": t("予約済み"), "lottery": t("抽選"),
             "past": unavailable, "closed": unavailable}  # fmt: skip
    for day in grid["days"]:
        day["short"] = format_day(day["day"], locale, "short")
        label = format_day(day["day"], locale, "day")
        for cell in day["cells"]:
            cell["sr"] = f"{label} {cell['label']} {words[cell['state']]}"


#: The grid's rows for a week as it stands, by language: everyone polling one facility's week
#: sees the same rows until a slot changes state, so they are built once per state, not per poll.
_rows = BoundedCache(256)


def _grid_html(grid: dict[str, Any], t: Any, locale: str) -> Markup:
    """The grid's rows (labelled for screen readers), and each day's short label in ``grid``."""
    days = grid["days"]
    key = (
        locale,
        tuple(grid["starts"]),
        tuple((day["day"], day["states"]) for day in days),
    )
    found = _rows.get(key)
    if found is None:
        _label_cells(grid, t, locale)
        found = (grid_rows(grid), [day["short"] for day in days])
        _rows.put(key, found)
    for day, short in zip(days, found[1], strict=True):
        day["short"] = short
    return found[0]


#: A facility's facts (kind, address, hours, fees, cancelling) as HTML, by language and row: the
#: same for every resident, rebuilt whenever the facility's row changes (the row is the key).
_facts = BoundedCache(256)


def _facts_html(request: Request[Any, Any, Any], row: dict[str, Any], locale: str) -> Markup:
    key = (locale, tuple(row.items()))
    found = _facts.get(key)
    if found is None:
        context = {"hhmm": rules.hhmm, "facility": row, "kinds": KIND_LABELS}
        found = Markup(render_to_string(request, "booking/_facts.html", context))  # noqa: S704
        _facts.put(key, found)
    return found


async def _facility_context(
    request: Request[Any, Any, Any], resident: Resident, facility_id: int, week: str
) -> dict[str, Any] | None:
    row = await queries.facility(facility_id)
    if row is None or not row["active"]:
        return None
    today = rules.today()
    try:
        first = max(dt.date.fromisoformat(week), today) if week else today
    except ValueError:
        first = today
    grid = await queries.availability(row, first)
    rows = _grid_html(grid, _t(request, resident), resident.locale)
    claims = resident.claims
    rate = rules.rate_for(claims)
    return {
        **_base(resident),
        "facility": row,
        "grid": grid,
        "week": first.isoformat(),
        "next_week": (first + dt.timedelta(days=7)).isoformat(),
        "prev_week": (first - dt.timedelta(days=7)).isoformat() if first > today else "",
        "rate": rate,
        "discount": rules.discount_for(row, claims),
        "per_slot": row["fee_resident"] if rate == "resident" else row["fee_nonresident"],
        "lotteries": await queries.open_lottery_days(facility_id),
        "photos": await queries.photos(facility_id),
        "rows": rows,
        "facts": _facts_html(request, row, resident.locale),
    }


#: The facility page and its grid as sent, by everything they show (see :func:`_page_key`): the
#: grid is polled every few seconds by everyone looking at the week, and between two bookings
#: every poll of a week in one language shows the same page. Only the booked slots are read anew.
_pages = BoundedCache(512)


def _page_key(context: dict[str, Any]) -> tuple[Any, ...]:
    """Every value the facility page shows (``rows`` stands for the grid: its days and states)."""
    return (
        tuple(context["facility"].items()),
        tuple(tuple(photo.items()) for photo in context["photos"]),
        tuple(tuple(lottery.items()) for lottery in context["lotteries"]),
        context["rows"],
        context["week"],
        context["next_week"],
        context["prev_week"],
        context["rate"],
        context["discount"],
        context["per_slot"],
        context["is_staff"],
    )


async def _facility_response(
    request: Request[Any, Any, Any], resident: Resident, facility_id: int, week: str, block: str
) -> Response[str]:
    context = await _facility_context(request, resident, facility_id, week)
    if context is None:
        return render(request, "booking/missing.html", _base(resident), status_code=404)
    fragment = is_htmx(request)
    key = (block if fragment else None, resident.locale, _page_key(context))
    body = _pages.get(key)
    if body is None:
        body = render_to_string(
            request, "booking/facility.html", context, block=block if fragment else None
        )
        _pages.put(key, body)
    # as render() answers: machi.js sets <html lang> from Content-Language on htmx swaps
    language = request.app.state["machi_runtime"].miniapp.language_for(resident.locale)
    return Response(
        body, media_type=MediaType.HTML, headers={"Vary": VARY, "Content-Language": language}
    )


@get("/facilities/{facility_id:int}", name="booking:facility", guards=[requires_scopes()])
async def facility_page(
    request: Request, resident: ResidentDep, facility_id: FromPath[int], week: FromQuery[str] = ""
) -> Response[str]:
    """A facility's rules, fees and the week's availability to book from."""
    return await _facility_response(request, resident, facility_id, week, "content")


@get("/facilities/{facility_id:int}/grid", name="booking:grid", guards=[requires_scopes()])
async def grid(
    request: Request, resident: ResidentDep, facility_id: FromPath[int], week: FromQuery[str] = ""
) -> Response[str]:
    """The week's grid alone: the page polls it, so a slot someone else books turns taken."""
    return await _facility_response(request, resident, facility_id, week, "grid")


@post("/facilities/{facility_id:int}/book", name="booking:book", guards=[requires_scopes()])
async def book(
    request: Request, resident: ResidentDep, platform: PlatformDep, facility_id: FromPath[int]
) -> Response[str]:
    """Book the chosen slots (one day); then the payment is asked of the shell."""
    form = await request.form()
    picked = form.getall("slot") if "slot" in form else []
    week = str(form.get("week", ""))
    try:
        days = {p.rsplit("-", 1)[0] for p in picked}
        if len(days) > 1:
            raise actions.Refused("one_day")
        day = dt.date.fromisoformat(days.pop()) if days else rules.today()
        starts = [int(p.rsplit("-", 1)[1]) for p in picked]
        order = await actions.book(
            resident.id, facility_id, day, starts, claims=resident.claims,
            people=_int(form.get("people"), 1), purpose=str(form.get("purpose", "")),
            locale=resident.locale,
        )  # fmt: skip
    except (ValueError, IndexError, actions.Refused) as exc:
        # The page again, as it is now (a slot just taken shows taken), with what went wrong.
        reason = exc.reason if isinstance(exc, actions.Refused) else "no_slot"
        context = await _facility_context(request, resident, facility_id, week)
        if context is None:
            return render(request, "booking/missing.html", _base(resident), status_code=404)
        context["error"] = _error(request, resident, reason)
        status = 409 if reason == "taken" else 422
        return render(request, "booking/facility.html", context, status_code=status)
    await _count(platform, "bookings_online")
    return await _order_response(request, resident, platform, order["number"], just_booked=True)


def _description(order: dict[str, Any]) -> str:
    return f"施設使用料 {order['facility_name']}（予約番号 {order['number']}）"[:200]


async def _ask_payment(resident: Resident, platform: Platform, order: dict[str, Any]) -> str:
    """Ask the shell for the fee (the booking number is the reference: asking again never
    charges twice); the payment state the shell's answer means. Paid only if the shell says so."""
    if not resident.has("wallet.pay"):
        return "at_counter"
    try:
        answer = await platform.request_payment(
            resident, order["amount"], _description(order), order["number"]
        )
    except PlatformError:
        return "at_counter"
    return "paid" if answer.get("status") == "paid" else "wallet_pending"


async def _order_context(
    resident: Resident, platform: Platform, number: str
) -> dict[str, Any] | None:
    order = await queries.order(number)
    if order is None or order["subject"] != resident.id:
        return None
    payable = order["status"] == "booked" and order["payment"] in ("unpaid", "at_counter")
    if payable and order["amount"] > 0:
        state = await _ask_payment(resident, platform, order)
        if state != order["payment"]:
            await actions.set_payment(resident.id, number, state)
            order = await queries.order(number)
            assert order is not None
    row = await queries.facility(order["facility"])
    refund = None
    if order["status"] in ("booked", "requested") and row:
        paid = order["amount"] if order["payment"] == "paid" else 0
        refund = rules.refund_for(row, paid, order["day"], rules.today())
    confirmed = order["status"] == "booked" and order["payment"] in ("paid", "free")
    code = await queries.door_code(order["id"])
    if confirmed and code is None and row and row["lock_id"]:
        code = await actions.confirm(number)  # the lock service was down when it was paid
    return {
        **_base(resident),
        "order": order,
        "facility": row,
        "code": code,
        "qr": qr_svg(await qr_text(number)) if confirmed else None,
        "confirmed": confirmed,
        "refund": refund,
        "cancellable": refund is not None,
        "description": _description(order),
        "just_booked": False,
    }


async def _order_response(
    request: Request[Any, Any, Any],
    resident: Resident,
    platform: Platform,
    number: str,
    *,
    just_booked: bool = False,
    error: str | None = None,
    message: str | None = None,
) -> Response[str]:
    context = await _order_context(resident, platform, number)
    if context is None:
        return render(request, "booking/missing.html", _base(resident), status_code=404)
    context.update(just_booked=just_booked, error=error, message=message)
    return render(request, "booking/order.html", context, status_code=422 if error else 200)


@get("/orders", name="booking:orders", guards=[requires_scopes()])
async def orders(request: Request, resident: ResidentDep) -> Response[str]:
    """The resident's bookings and lottery entries."""
    context = {**_base(resident), "orders": await queries.orders_of(resident.id)}
    return render(request, "booking/orders.html", context)


@get("/orders/{number:str}", name="booking:order", guards=[requires_scopes()])
async def order_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """One booking: pay, the permit and its QR, the door code, cancel, add to a calendar."""
    return await _order_response(request, resident, platform, number)


@post("/orders/{number:str}/payment", name="booking:check_payment", guards=[requires_scopes()])
async def check_payment(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """After the shell's payment sheet: ask the shell (never the page) whether it is paid."""
    order = await queries.order(number)
    mine = order and order["subject"] == resident.id and order["payment"] == "wallet_pending"
    if mine and await _ask_payment(resident, platform, order) == "paid":
        await actions.set_payment(resident.id, number, "paid")
        await actions.refund_owed(platform, number)  # paid for a booking no longer held
    return await _order_response(request, resident, platform, number)


@post("/orders/{number:str}/cancel", name="booking:cancel", guards=[requires_scopes()])
async def cancel(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """Cancel under the facility's policy; the refund it allows is shown and recorded."""
    try:
        await actions.cancel(resident.id, number)
    except actions.Refused as exc:
        return await _order_response(
            request, resident, platform, number, error=_error(request, resident, exc.reason)
        )
    t = _t(request, resident)
    message = t("予約を取り消しました。")
    if await actions.refund_owed(platform, number):
        message += " " + t("返金はお支払いに使った残高とポイントに戻しました。")
    return await _order_response(request, resident, platform, number, message=message)


@get("/orders/{number:str}/permit.pdf", name="booking:permit", guards=[requires_scopes()])
async def permit(request: Request, resident: ResidentDep, number: FromPath[str]) -> Response[bytes]:
    """The use permit (and receipt when paid) as PDF, with the QR a manager scans."""
    order = await queries.order(number)
    confirmed = order and order["status"] == "booked" and order["payment"] in ("paid", "free")
    if order is None or order["subject"] != resident.id or not confirmed:
        return Response(b"not found", status_code=404, media_type="text/plain")
    t = _t(request, resident)
    day = format_day(order["day"], resident.locale, "day")
    when = f"{day} {rules.hhmm(order['starts'])}-{rules.hhmm(order['ends'])}"
    lines = [
        (20, t("利用許可証")),
        (11, ""),
        (12, t("予約番号") + f"  {order['number']}"),
        (12, t("施設") + f"  {order['facility_name']}"),
        (12, t("利用日時") + f"  {when}"),
        (12, t("人数") + f"  {order['people']}"),
        (11, t("上記のとおり使用を許可します。")),
        (11, ""),
    ]
    if order["payment"] == "paid":
        lines += [
            (20, t("領収証")),
            (11, ""),
            (12, t("金額") + f"  {format_yen(order['amount'], resident.locale)}"),
            (12, t("但し") + "  " + t("施設使用料")),
            (11, t("上記の金額を領収しました。")),
        ]
    body = permit_pdf(lines, await qr_text(number))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="permit-{number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@get("/orders/{number:str}/calendar.ics", name="booking:ics", guards=[requires_scopes()])
async def calendar(
    request: Request, resident: ResidentDep, number: FromPath[str]
) -> Response[bytes]:
    """The booking as an iCalendar event, for the phone's calendar."""
    order = await queries.order(number)
    if order is None or order["subject"] != resident.id or order["status"] != "booked":
        return Response(b"not found", status_code=404, media_type="text/plain")
    row = await queries.facility(order["facility"])
    return Response(
        order_ics(order, row or {}),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{number}.ics"'},
    )


@get("/lotteries/{lottery_id:int}", name="booking:lottery", guards=[requires_scopes()])
async def lottery_page(
    request: Request, resident: ResidentDep, lottery_id: FromPath[int]
) -> Response[str]:
    """A lottery: apply with ranked choices while open; afterwards the result and the seed."""
    context = await _lottery_context(resident, lottery_id)
    if context is None:
        return render(request, "booking/missing.html", _base(resident), status_code=404)
    return render(request, "booking/lottery.html", context)


async def _lottery_context(resident: Resident, lottery_id: int) -> dict[str, Any] | None:
    lot = await queries.lottery(lottery_id)
    if lot is None:
        return None
    row = await queries.facility(lot["facility"])
    assert row is not None
    closed = await queries.blackouts(row["id"])
    entry = await queries.entry_of(lottery_id, resident.id)
    options = []
    day = lot["first_day"]
    while day <= lot["last_day"]:
        if rules.is_open_day(row, day, closed):
            for start in rules.slot_starts(row):
                value = f"{day.isoformat()} {rules.hhmm(start)}"
                label = f"{format_day(day, resident.locale, 'day')} {rules.hhmm(start)}"
                options.append((value, label))
        day += dt.timedelta(days=1)
    return {
        **_base(resident),
        "lottery": lot,
        "facility": row,
        "options": options,
        "entry": entry,
        "household": resident.household,
        # another member of the household applied: the form would only be refused
        "household_entered": bool(
            entry is None
            and resident.household
            and await queries.household_entered(lottery_id, resident.household)
        ),
        "entries": len(await queries.entries(lottery_id)),
        "choices": actions.MAX_CHOICES,
        "open": lot["status"] == "open" and rules.now() < lot["apply_until"],
    }


@post("/lotteries/{lottery_id:int}/enter", name="booking:enter", guards=[requires_scopes()])
async def enter(
    request: Request, resident: ResidentDep, platform: PlatformDep, lottery_id: FromPath[int]
) -> Response[str]:
    """Apply to a lottery with up to three ranked choices; one entry per household."""
    form = await request.form()
    choices = [str(form.get(f"choice{n}", "")) for n in range(1, actions.MAX_CHOICES + 1)]
    error = None
    try:
        await actions.enter(
            resident.id,
            lottery_id,
            choices,
            household=resident.household,
            people=_int(form.get("people"), 1),
            claims=resident.claims,
            locale=resident.locale,
        )
        await _count(platform, "lottery_entries")
    except actions.Refused as exc:
        error = _error(request, resident, exc.reason)
    context = await _lottery_context(resident, lottery_id)
    if context is None:
        return render(request, "booking/missing.html", _base(resident), status_code=404)
    context["error"] = error
    t = _t(request, resident)
    context["message"] = None if error else t("抽選に申し込みました。")
    return render(request, "booking/lottery.html", context, status_code=422 if error else 200)


@get("/photos/{photo_id:int}", name="booking:photo", opt={PUBLIC_OPT: True})
async def photo(photo_id: FromPath[int]) -> Response[bytes]:
    """A facility's photo: the city's public information, served without a token."""
    found = await queries.photo(photo_id)
    if found is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    return Response(bytes(found["data"]), media_type=found["content_type"], headers={
        "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})  # fmt: skip


ROUTES = [
    photo,
    index,
    facility_page,
    grid,
    book,
    orders,
    order_page,
    check_payment,
    cancel,
    permit,
    calendar,
    lottery_page,
    enter,
    *STAFF_ROUTES,
]
