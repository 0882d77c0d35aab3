"""The garbage calendar's pages. Residents are known by their pairwise id only."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.app import PUBLIC_OPT
from machi_sdk.formatting import format_day
from machi_sdk.i18n import N_
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident
from machi_sdk.web import VARY, is_htmx, render_to_string
from markupsafe import Markup

from . import actions, queries
from .ical import feed
from .importer import ImportError5374, read_folder
from .views import (
    add_months,
    categories_view,
    grid,
    today,
    weekday_headers,
)

STAFF_ROLES = ("sanitation", "admin")
PUBLIC = {PUBLIC_OPT: True}
OFFLINE_MONTHS = 3


# Messages for refusals, in Japanese (the source language); translated through the app's catalog.
REFUSALS = {
    "unknown_area": N_("その地区は見つかりません。一覧から選んでください。"),
    "bad_timing": N_("通知の時刻を選んでください。"),
    "unknown_category": N_("その分別の種類はありません。"),
    "no_category": N_("通知してほしいごみの種類を1つ以上選んでください。"),
    "no_area": N_("先にお住まいの地区を選んでください。"),
    "unknown_item": N_("料金表にない品目です。料金表から選んでください。"),
    "too_many": N_("1品目につき10点までです。"),
    "no_items": N_("出したい品目と数を1つ以上選んでください。"),
    "date_not_offered": N_("その日は選べません。示された日から選んでください。"),
    "bad_policy": N_("祝日と休止期間の扱いを選んでください。"),
    "pause_order": N_("休止の終わりは始まりより後の日にしてください。"),
    "unknown_center": N_("その清掃センターはありません。"),
    "bad_status": N_("その状態にはできません。"),
    "unknown_request": N_("その受付番号はありません。"),
    "bad_fee_name": N_("品目名を100文字以内で入れてください。"),
    "bad_fee": N_("料金は0円から100,000円の整数で入れてください。"),
    "bad_date": N_("日付を正しく入れてください（例: 2025-01-05）。"),
    "bad_month": N_("月を正しく選んでください。"),
    "no_notify": N_("通知を受け取るには「お知らせの送信」を許可してください。"),
    "no_files": N_("5374形式のCSVファイルを選んでください。"),
}


def _gettext(request: Request[Any, Any, Any], resident: Resident | None) -> Any:
    runtime = request.app.state["machi_runtime"]
    return runtime.miniapp.translations(resident.locale if resident else "ja").gettext


def _error(
    request: Request[Any, Any, Any], resident: Resident, reason: str, detail: str = ""
) -> str:
    text = _gettext(request, resident)(REFUSALS.get(reason, reason))
    return f"{text} {detail}".strip()


async def _count(platform: Platform, kpi: str) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi)


async def _categories(
    request: Request[Any, Any, Any], resident: Resident | None
) -> dict[int, dict[str, Any]]:
    return categories_view(await queries.categories(), _gettext(request, resident))


async def _home_context(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    sub = await queries.subscription(resident.id)
    area = await queries.area(sub["area"]) if sub and sub["area"] else None
    cats = await _categories(request, resident)
    context: dict[str, Any] = {"area": area, "categories": cats, "sub": sub, "error": None}
    if area is None:
        district = str(resident.claim("profile.district", "") or "")
        suggested = await queries.areas_named(district) if district else []
        context.update(suggested=suggested, matches=[], query="")
        return context
    now = today()
    by_day = await queries.dates_by_day(area, now, now + dt.timedelta(days=1))
    context.update(
        today=now,
        today_label=format_day(now, resident.locale, "day"),
        tomorrow_label=format_day(now + dt.timedelta(days=1), resident.locale, "day"),
        today_cats=[cats[c] for c in by_day.get(now, []) if c in cats],
        tomorrow_cats=[cats[c] for c in by_day.get(now + dt.timedelta(days=1), []) if c in cats],
    )
    return context


@get("/", name="garbage:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Today's and tomorrow's collections of the resident's area, or the area picker."""
    context = await _home_context(request, resident)
    if context["area"] is not None:
        await _count(platform, "calendar_uses")
    return render(request, "garbage/index.html", context)


@get("/areas", name="garbage:areas", guards=[requires_scopes()])
async def area_search(
    request: Request, resident: ResidentDep, q: FromQuery[str] = ""
) -> Response[str]:
    """Areas whose name contains ``q`` (the picker's live search)."""
    text = q.strip()
    matches = [a for a in await queries.areas() if text and text in a["name"]][:40]
    return render(request, "garbage/_areas.html", {"matches": matches, "query": text}, block=None)


@post("/area", name="garbage:choose_area", guards=[requires_scopes()])
async def choose_area(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Remember the resident's area."""
    form = await request.form()
    try:
        await actions.choose_area(resident.id, int(form.get("area_id", "0")), resident.locale)
    except (ValueError, actions.Refused):
        context = await _home_context(request, resident)
        context["error"] = _error(request, resident, "unknown_area")
        return render(request, "garbage/index.html", context, status_code=422)
    context = await _home_context(request, resident)
    await _count(platform, "calendar_uses")
    return render(request, "garbage/index.html", context, headers={"HX-Push-Url": "/"})


@get("/calendar", name="garbage:calendar", guards=[requires_scopes()])
async def calendar_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, month: FromQuery[str] = ""
) -> Response[str]:
    """A month of the resident's area, each category with its colour and mark."""
    sub = await queries.subscription(resident.id)
    area = await queries.area(sub["area"]) if sub and sub["area"] else None
    if area is None:
        return Redirect("/")  # type: ignore[return-value]
    now = today()
    year, mon = now.year, now.month
    if month:
        try:
            from .cli import parse_month

            year, mon = parse_month(month)
        except ValueError:
            pass  # an odd month in the address shows this month
    fragment = is_htmx(request)

    async def page() -> str:
        # Nothing personal on this page (the area's month): rendered once per area, month,
        # language and day, and kept a minute.
        context = await _month_context(request, resident, area, year, mon, now)
        block = "content" if fragment else None
        return render_to_string(request, "garbage/calendar.html", context, block=block)

    key = ("calendar_page", area["id"], year, mon, resident.locale, now, fragment)
    body = await queries.cached(key, page)
    await _count(platform, "calendar_uses")
    return Response(body, media_type=MediaType.HTML, headers={"Vary": VARY})


async def _month_context(
    request: Request[Any, Any, Any],
    resident: Resident | None,
    area: dict[str, Any],
    year: int,
    month: int,
    now: dt.date,
) -> dict[str, Any]:
    locale = resident.locale if resident else "ja"
    start, end = queries.month_bounds(year, month)
    by_day = await queries.dates_by_day(area, start, end)
    prev, nxt = add_months(year, month, -1), add_months(year, month, 1)
    categories = await _categories(request, resident)

    async def table() -> Markup:
        # The month's table is the same for everyone in the area: rendered once, kept a minute.
        template = request.app.state["machi_runtime"].miniapp.environment.get_template(
            "garbage/_month.html"
        )
        m = {
            "weeks": grid(year, month, by_day, now),
            "weekdays": weekday_headers(locale),
            "title": format_day(dt.date(year, month, 1), locale, "month"),
        }
        return Markup(template.render(m=m, categories=categories))  # noqa: S704 (autoescaped)

    key = ("month_html", area["id"], year, month, locale, now, id(by_day))
    return {
        "area": area,
        "categories": categories,
        "html": await queries.cached(key, table),
        "prev": f"{prev[0]:04d}-{prev[1]:02d}",
        "next": f"{nxt[0]:04d}-{nxt[1]:02d}",
    }


@get("/dictionary", name="garbage:dictionary", guards=[requires_scopes()])
async def dictionary(
    request: Request, resident: ResidentDep, q: FromQuery[str] = ""
) -> Response[str]:
    """The sorting dictionary: any part of a word, kana or kanji; the closest entries otherwise."""
    items, closest = await queries.search_items(q) if q.strip() else ([], False)
    gettext = _gettext(request, resident)
    for item in items:
        item["category_label"] = gettext(item["category_label"])
    context = {"items": items, "closest": closest, "query": q.strip()}
    if request.headers.get("hx-target") == "dictionary-results":
        return render(request, "garbage/_results.html", context, block=None)
    return render(request, "garbage/dictionary.html", context)


@get("/reminders", name="garbage:reminders", guards=[requires_scopes()])
async def reminders_page(request: Request, resident: ResidentDep) -> Response[str]:
    """Which categories to be reminded of, and when."""
    return render(request, "garbage/reminders.html", await _reminder_context(request, resident))


async def _reminder_context(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    sub = await queries.subscription(resident.id)
    chosen = (
        json.loads(sub["categories"])
        if sub and isinstance(sub["categories"], str)
        else (sub["categories"] if sub else [])
    )
    return {
        "sub": sub,
        "chosen": set(chosen),
        "categories": await _categories(request, resident),
        "can_notify": resident.has("notify"),
        "error": None,
        "saved": False,
    }


@post("/reminders", name="garbage:save_reminders", guards=[requires_scopes()])
async def save_reminders(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Turn reminders on or off (needs ``notify``: the reminder is sent with it later)."""
    form = await request.form()
    on = form.get("on") == "1"
    context = await _reminder_context(request, resident)
    if on and not resident.has("notify"):
        context["error"] = _error(request, resident, "no_notify")
        return render(request, "garbage/reminders.html", context, status_code=403)
    try:
        cats = [int(c) for c in form.getall("category")] if "category" in form else []
        await actions.set_reminders(
            resident.id,
            on=on,
            timing=str(form.get("timing", "evening")),
            categories=cats,
            locale=resident.locale,
        )
    except ValueError:
        context["error"] = _error(request, resident, "unknown_category")
        return render(request, "garbage/reminders.html", context, status_code=422)
    except actions.Refused as exc:
        context["error"] = _error(request, resident, exc.reason)
        return render(request, "garbage/reminders.html", context, status_code=422)
    if on:
        await _count(platform, "reminder_optins")
    context = await _reminder_context(request, resident)
    context["saved"] = True
    return render(request, "garbage/reminders.html", context)


@get("/feed", name="garbage:feed", guards=[requires_scopes()])
async def feed_page(request: Request, resident: ResidentDep) -> Response[str]:
    """The secret address of the resident's calendar feed, for a phone's calendar app."""
    return await _feed(request, resident, renew=False)


@post("/feed", name="garbage:renew_feed", guards=[requires_scopes()])
async def renew_feed(request: Request, resident: ResidentDep) -> Response[str]:
    """A new secret address; the old one stops working."""
    return await _feed(request, resident, renew=True)


async def _feed(
    request: Request[Any, Any, Any], resident: Resident, *, renew: bool
) -> Response[str]:
    try:
        token = await actions.ical_token(resident.id, renew=renew)
    except actions.Refused as exc:
        return render(
            request,
            "garbage/feed.html",
            {"url": None, "error": _error(request, resident, exc.reason), "renewed": False},
        )
    url = str(request.base_url).rstrip("/") + f"/ical/{token}"
    return render(request, "garbage/feed.html", {"url": url, "error": None, "renewed": renew})


@get("/ical/{token:str}", name="garbage:ical", opt=PUBLIC)
async def ical(token: FromPath[str]) -> Response[bytes]:
    """The calendar feed (no launch token: the secret in the address is the key)."""
    sub = await queries.subscription_by_token(token)
    area = await queries.area(sub["area"]) if sub and sub["area"] else None
    if area is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    body = await feed(area, sub["locale"], today())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=3600", "Referrer-Policy": "no-referrer"},
    )


@get("/offline/{area_id:int}", name="garbage:offline", opt=PUBLIC)
async def offline(request: Request, area_id: FromPath[int]) -> Response[str]:
    """The coming months of one area, kept by the app's service worker for use without network.
    Public: an area's calendar is the city's published data, nothing personal."""
    area = await queries.area(area_id)
    if area is None:
        return Response("not found", status_code=404, media_type="text/plain")  # type: ignore[return-value]
    now = today()
    months = []
    for n in range(OFFLINE_MONTHS):
        year, month = add_months(now.year, now.month, n)
        months.append(await _month_context(request, None, area, year, month, now))
    return render(
        request,
        "garbage/offline.html",
        {"area": area, "months": months, "categories": months[0]["categories"]},
        block=None,
        headers={"Cache-Control": "no-cache"},
    )



@get("/large", name="garbage:large", guards=[requires_scopes()])
async def large_page(request: Request, resident: ResidentDep) -> Response[str]:
    """Large-item collection: the fee table, the offered dates and the resident's requests."""
    return render(request, "garbage/large.html", await _large_context(request, resident))


async def _large_context(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    now = today()
    requests = await queries.requests_of(resident.id)
    for row in requests:
        row["items"] = json.loads(row["items"]) if isinstance(row["items"], str) else row["items"]
        row["day_label"] = format_day(row["collection_date"], resident.locale, "day")
    return {
        "fees": await queries.fees(),
        "dates": [
            (d.isoformat(), format_day(d, resident.locale, "day"))
            for d in await actions.offered_dates(now)
        ],
        "requests": requests,
        "error": None,
        "booked": None,
    }


def _fee_description(number: str) -> str:
    return f"粗大ごみ収集手数料（受付番号 {number}）"


async def _ask_payment(resident: Resident, platform: Platform, booked: dict[str, Any]) -> str:
    """With the resident's ``wallet.pay``, ask the shell for the fee (the same reference asks
    again without a second charge); else, or if the shell cannot now, it is paid at collection.
    Returns the payment state."""
    if booked["total"] <= 0 or not resident.has("wallet.pay"):
        return "at_collection"
    try:
        answer = await platform.request_payment(
            resident, booked["total"], _fee_description(booked["number"]), booked["number"]
        )
    except PlatformError:
        return "at_collection"
    return "paid" if answer.get("status") == "paid" else "wallet_pending"


@post("/large", name="garbage:request_large", guards=[requires_scopes()])
async def request_large(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Book a collection; the fee is paid with the wallet when the resident allows it, else at
    collection."""
    form = await request.form()
    context = await _large_context(request, resident)
    try:
        quantities = {
            int(key.removeprefix("qty-")): int(value or 0)
            for key, value in form.items()
            if key.startswith("qty-")
        }
        day = dt.date.fromisoformat(str(form.get("date", "")))
    except ValueError:
        context["error"] = _error(request, resident, "bad_date")
        return render(request, "garbage/large.html", context, status_code=422)
    try:
        booked = await actions.request_collection(resident.id, quantities, day, today=today())
    except actions.Refused as exc:
        context["error"] = _error(request, resident, exc.reason)
        return render(request, "garbage/large.html", context, status_code=422)
    payment = await _ask_payment(resident, platform, booked)
    await actions.set_payment(resident.id, booked["number"], payment)
    context = await _large_context(request, resident)
    booked["day_label"] = format_day(booked["collection_date"], resident.locale, "day")
    booked["payment"] = payment
    booked["description"] = _fee_description(booked["number"])
    context["booked"] = booked
    return render(request, "garbage/large.html", context)


@post("/large/{number:str}/payment", name="garbage:check_payment", guards=[requires_scopes()])
async def check_payment(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """After the shell's payment sheet: ask the shell (never the page) whether it is paid."""
    context = await _large_context(request, resident)
    mine = next((r for r in context["requests"] if r["number"] == number), None)
    if mine is None:
        context["error"] = _error(request, resident, "unknown_request")
        return render(request, "garbage/large.html", context, status_code=404)
    if mine["payment"] == "wallet_pending":
        state = await _ask_payment(resident, platform, mine)
        if state == "paid":
            await actions.set_payment(resident.id, number, "paid")
            context = await _large_context(request, resident)
    return render(request, "garbage/large.html", context)


def _is_staff(resident: Resident) -> bool:
    return any(resident.has_role(role) for role in STAFF_ROLES)


async def _staff_context(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    requests = await queries.all_requests()
    for row in requests:
        row["items"] = json.loads(row["items"]) if isinstance(row["items"], str) else row["items"]
        row["day_label"] = format_day(row["collection_date"], resident.locale, "day")
    settings_row = await queries.policy_for("")
    centers = sorted(
        {a["center"] for a in await queries.GarbageArea.select(queries.GarbageArea.center)} - {""}
    )
    return {
        "kpis": await queries.kpis(),
        "requests": requests,
        "fees": await queries.fees(active_only=False),
        "policy": settings_row,
        "centers": centers,
        "categories": await _categories(request, resident),
        "message": None,
        "error": None,
        "problems": [],
    }


def _forbidden(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    gettext = _gettext(request, resident)
    text = gettext("この画面は清掃担当の職員だけが使えます。")
    return render(request, "garbage/staff.html", {"denied": text}, status_code=403)


@get("/staff", name="garbage:staff", guards=[requires_scopes()])
async def staff_page(request: Request, resident: ResidentDep) -> Response[str]:
    """Sanitation staff: figures, imports, pauses, one-off dates, fees and requests."""
    if not _is_staff(resident):
        return _forbidden(request, resident)
    return render(
        request, "garbage/staff.html", {"denied": None, **await _staff_context(request, resident)}
    )


@post("/staff/{what:str}", name="garbage:staff_action", guards=[requires_scopes()])
async def staff_action(
    request: Request, resident: ResidentDep, what: FromPath[str]
) -> Response[str]:
    """One staff change; a refusal changes nothing and says why."""
    if not _is_staff(resident):
        return _forbidden(request, resident)
    gettext = _gettext(request, resident)
    problems: list[str] = []
    message = None
    try:
        if what == "import":
            form = await request.form()
            uploads = (
                [f for f in form.getall("files") if isinstance(f, UploadFile)]
                if "files" in form
                else []
            )
            if not uploads:
                raise actions.Refused("no_files")
            with tempfile.TemporaryDirectory() as folder:
                for upload in uploads:
                    name = Path(upload.filename or "").name
                    if name.endswith(".csv"):
                        (Path(folder) / name).write_bytes(await upload.read())
                try:
                    counts = await actions.import_5374(read_folder(folder))
                except ImportError5374 as exc:
                    problems = [str(p) for p in exc.problems]
                    counts = None
            if counts:
                message = gettext("取り込みました: 地区 {areas}、品目 {items}").format(**counts)
        else:
            form = await request.form()
            if what == "policy":
                await actions.set_policy(
                    holidays=str(form.get("holidays")), pauses=str(form.get("pauses"))
                )
            elif what == "pause":
                try:
                    start = dt.date.fromisoformat(str(form.get("start", "")))
                    end = dt.date.fromisoformat(str(form.get("end", "")))
                except ValueError:
                    raise actions.Refused("bad_date") from None
                await actions.add_pause(str(form.get("center", "")), start, end)
            elif what == "date":
                try:
                    day = dt.date.fromisoformat(str(form.get("date", "")))
                    area_row = await queries.find_area(str(form.get("area", "")))
                except ValueError:
                    raise actions.Refused("bad_date") from None
                except queries.UnknownArea:
                    raise actions.Refused("unknown_area") from None
                await actions.add_date(area_row["id"], int(form.get("category", "0")), day)
            elif what == "fee":
                try:
                    fee = int(str(form.get("fee", "")))
                except ValueError:
                    raise actions.Refused("bad_fee") from None
                await actions.set_fee(str(form.get("name", "")), fee)
            elif what == "status":
                await actions.set_request_status(
                    str(form.get("number", "")), str(form.get("status", ""))
                )
            else:
                return Response("not found", status_code=404, media_type="text/plain")  # type: ignore[return-value]
            message = gettext("保存しました。")
    except actions.Refused as exc:
        context = await _staff_context(request, resident)
        context.update(denied=None, error=_error(request, resident, exc.reason))
        return render(request, "garbage/staff.html", context, status_code=422)
    context = await _staff_context(request, resident)
    context.update(denied=None, message=message, problems=problems)
    return render(request, "garbage/staff.html", context, status_code=422 if problems else 200)


ROUTES = [
    index,
    area_search,
    choose_area,
    calendar_page,
    dictionary,
    reminders_page,
    save_reminders,
    feed_page,
    renew_feed,
    ical,
    offline,
    large_page,
    request_large,
    check_payment,
    staff_page,
    staff_action,
]


@get("/categories.css", name="garbage:categories_css", opt=PUBLIC)
async def categories_css() -> Response[str]:
    """Each category's colour as a class (the app's CSP allows no inline styles)."""
    rows = await queries.categories()
    css = "".join(
        f".garbage-cat-{int(r['id'])}{{color:{r['color']}}}\n"
        for r in rows
        if len(r["color"]) == 7 and r["color"].startswith("#")
    )
    return Response(css, media_type="text/css", headers={"Cache-Control": "no-cache"})


ROUTES.append(categories_css)
