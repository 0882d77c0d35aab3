"""The pages of online applications and reports. Residents are known by their pairwise id only;
every staff view or change of a person's application or report is written to the city's audit
log first (if it cannot be written, the page is not shown)."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.app import PUBLIC_OPT
from machi_sdk.formatting import format_moment
from machi_sdk.i18n import N_
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, mapview, place, schema, views
from .actions import Refused
from .pdf import notice_pdf

COUNTER_ROLES = ("counter", "admin")
WORKS_ROLES = ("public_works", "admin")



REFUSALS = {
    "invalid": N_("入力に誤りがあります。赤い文字の項目を直してください。"),
    "my_number": schema.MESSAGES["my_number"],
    "too_long": N_("文章が長すぎます。短くしてください。"),
    "form_closed": N_("この手続きは今は受け付けていません。"),
    "unknown_form": N_("その手続きは見つかりません。"),
    "unknown_application": N_("その申請は見つかりません。"),
    "already_submitted": N_("この申請はもう送られています。"),
    "not_verified": N_(
        "この手続きには本人確認が必要です。マチの「住民証」で本人確認を済ませ、"
        "「本人確認の有無」の共有を許可してから送ってください。"
    ),
    "closed": N_("この申請（通報）はもう終わっているため、変更できません。"),
    "no_correction": N_("いまは補正をお願いしていません。"),
    "fee_changed": N_("手数料が変わる直しは、ここではできません。窓口にお問い合わせください。"),
    "too_large": N_("ファイルが大きすぎます。5MBまでにしてください。"),
    "empty": N_("ファイルが空です。"),
    "bad_type": N_("送れるのは写真（JPEG・PNG）とPDFだけです。"),
    "broken": N_("ファイルが壊れているため読めません。"),
    "too_many_files": N_("添付できるファイルの数を超えました。"),
    "unknown_field": N_("その項目はありません。"),
    "bad_move": N_("その状態にはできません。"),
    "needs_message": N_("住民の方へのメッセージを入れてください。"),
    "not_received": N_("まだ受け付けていない申請です（お支払い待ちなど）。"),
    "bad_category": N_("通報の種類を選んでください。"),
    "outside": N_("その場所は市の外です。市内の場所を選んでください。"),
    "no_place": N_("場所を決めてください。「現在地を使う」か、地区と住所を入れてください。"),
    "no_address": N_("地区を選び、住所や目印を入れてください。"),
    "no_location": N_("現在地を使うには「現在地」の共有を許可してください。"),
    "bad_key": N_("もう一度送ってください。"),
    "too_many_reports": N_("1日に送れる通報は20件までです。急ぎの場合は市役所に電話してください。"),
    "no_photo_place": N_(
        "写真に撮影場所の情報がありません。「現在地を使う」か、地区と住所を入れてください。"
    ),
    "unknown_report": N_("その通報は見つかりません。"),
    "bad_slug": N_("手続きの記号は半角英小文字で始め、英小文字・数字・-・_ にしてください。"),
    "no_title": N_("手続きの名前を入れてください。"),
    "slug_taken": N_("その記号の手続きはもうあります。"),
    "period_order": N_("受付の終わりは始まりより後の日にしてください。"),
    "bad_month": N_("月を正しく選んでください。"),
    "bad_count": N_("件数は0以上の整数で入れてください。"),
    "bad_date": N_("日付を正しく入れてください（例: 2026-04-01）。"),
    "no_audit": N_(
        "閲覧の記録を残せないため、いまは表示できません。時間をおいてもう一度お試しください。"
    ),
    "staff_only": N_("この画面は担当の職員だけが使えます。"),
    "payment_unavailable": N_(
        "いまウォレットで払えません。しばらくしてから「支払いを確認する」を押してください。"
    ),
    "no_wallet": N_("手数料を払うには「支払いのお願い」を許可してください。"),
}


# ---------------------------------------------------------------- helpers


def _t(request: Request[Any, Any, Any], locale: str) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(locale).gettext


def _refusal(request: Request[Any, Any, Any], resident: Resident, reason: str) -> str:
    return str(_t(request, resident.locale)(REFUSALS.get(reason, reason)))


def _field_errors(
    request: Request[Any, Any, Any], resident: Resident, errors: dict[str, Any]
) -> dict[str, str]:
    gettext = _t(request, resident.locale)
    return {k: gettext(schema.MESSAGES[code]) % params for k, (code, params) in errors.items()}


def _base(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    loc = resident.locale
    gettext = _t(request, loc)
    return {
        "loc": loc,
        "label": lambda value: schema.text(value, loc),
        "status_label": lambda s: gettext(views.STATUS_LABELS.get(s, s)),
        "status_hint": lambda s: gettext(views.STATUS_HINTS.get(s, "")),
        "category_label": lambda c: gettext(views.REPORT_CATEGORIES.get(c, c)),
        "report_status": lambda s: gettext(views.REPORT_STATUSES.get(s, s)),
        "district_name": lambda d: place.district_name(d, loc),
        "place_map": lambda lat, lon: mapview.drawing(loc, (lat, lon)),
        "title": lambda row: (row.get("title_en") if loc != "ja" else "") or row["title_ja"],
        "is_counter": _has(resident, COUNTER_ROLES),
        "is_works": _has(resident, WORKS_ROLES),
        "error": None,
        "message": None,
    }


def _has(resident: Resident, roles: tuple[str, ...]) -> bool:
    return any(resident.has_role(role) for role in roles)


async def _count(platform: Platform, kpi: str) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi)


async def _audit(
    platform: Platform, resident: Resident, action: str, subject: str, detail: dict[str, Any]
) -> bool:
    try:
        await platform.audit(resident, action, subject, detail)
    except PlatformError:
        return False
    return True


async def _notify(
    request: Request[Any, Any, Any],
    platform: Platform,
    subject: str,
    locale: str,
    title: str,
    body: str,
    url: str,
) -> None:
    """Tell the resident (if they granted ``notify``; the shell checks), in their language."""
    gettext = _t(request, locale)
    with contextlib.suppress(PlatformError):
        await platform.notify(subject, gettext(title)[:100], body[:1000], url)


def _form_values(form: Any) -> dict[str, Any]:
    return {k: v for k, v in form.items() if not isinstance(v, UploadFile)}


async def _uploads(form: Any) -> list[tuple[str, UploadFile]]:
    return [(k, v) for k, v in form.items() if isinstance(v, UploadFile) and v.filename]


def _denied(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    context = {**_base(request, resident), "error": _refusal(request, resident, "staff_only")}
    return render(request, "apply/denied.html", context, status_code=403)


# ---------------------------------------------------------------- residents: procedures


@get("/", name="apply:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep, q: FromQuery[str] = "") -> Response[str]:
    """Find a procedure in plain words; one's applications and reports."""
    context = {
        **_base(request, resident),
        "query": q.strip(),
        "forms": await actions.search_forms(q, actions.today()),
        "mine": await actions.mine(resident.id),
    }
    if request.headers.get("hx-target") == "apply-results":
        return render(request, "apply/_procedures.html", context, block=None)
    return render(request, "apply/index.html", context)


async def _form_context(
    request: Request[Any, Any, Any],
    resident: Resident,
    slug: str,
    number: str = "",
    preview: bool = False,
) -> dict[str, Any]:
    row = await actions.form(slug)
    if preview:
        sch = row["draft"]
    else:
        version = await actions.current_version(row["id"], row["current_version"])
        if version is None or not actions.is_open(row, actions.today()):
            raise Refused("form_closed")
        sch = version["schema"]
    values: dict[str, Any] = {}
    attached: dict[str, str] = {}
    if number:
        app = await actions.submission(number)
        if app["subject"] != resident.id or app["status"] != "draft":
            raise Refused("unknown_application")
        values = dict(app["answers"])
        attached = {a["field"]: a["name"] for a in await actions.attachments_of(app["id"])}
    prefilled = []
    for field in sch["fields"]:
        claim = field.get("prefill")
        if claim and field["key"] not in values and resident.claim(claim):
            value = str(resident.claim(claim))
            if claim == "profile.district":
                value = place.district_name(place.district_id_of(value) or value, resident.locale)
            values[field["key"]] = value
            prefilled.append(field["key"])
    return {
        **_base(request, resident),
        "form": row,
        "schema": sch,
        "fields": schema.with_conditions(sch),
        "values": values,
        "attached": attached,
        "prefilled": prefilled,
        "errors": {},
        "number": number,
        "preview": preview,
        "fee_example": schema.fee_for(sch, {}) if sch.get("fee") else 0,
        "verified": bool(resident.claim("resident.verified")),
        "saved": False,
    }


@get("/forms/{slug:str}", name="apply:form", guards=[requires_scopes()])
async def form_page(
    request: Request, resident: ResidentDep, slug: FromPath[str], number: FromQuery[str] = ""
) -> Response[str]:
    """A procedure's form, with what the city already knows (and the resident shares) filled in."""
    try:
        context = await _form_context(request, resident, slug, number)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    return render(request, "apply/form.html", context)


@post("/forms/{slug:str}", name="apply:save", guards=[requires_scopes()])
async def save_form(
    request: Request, resident: ResidentDep, platform: PlatformDep, slug: FromPath[str]
) -> Response[str]:
    """Save a draft, or send the application (validated on the server from the same schema)."""
    form = await request.form()
    raw = _form_values(form)
    submit = raw.pop("action", "save") == "submit"
    number = str(raw.pop("number", "") or "")
    verified = bool(resident.claim("resident.verified"))
    try:
        app = await actions.save(
            resident.id,
            slug,
            raw,
            submit=False,
            verified=verified,
            number=number or None,
            locale=resident.locale,
        )
        number = app["number"]
        for key, upload in await _uploads(form):
            await actions.add_attachment(
                resident.id, number, key, upload.filename or "", await upload.read()
            )
        if submit:
            app = await actions.save(
                resident.id,
                slug,
                raw,
                submit=True,
                verified=verified,
                number=number,
                locale=resident.locale,
            )
    except Refused as exc:
        try:
            context = await _form_context(request, resident, slug, number)
        except Refused:
            context = {**_base(request, resident)}
            context["error"] = _refusal(request, resident, exc.reason)
            return render(request, "apply/denied.html", context, status_code=422)
        context["values"].update({k: v for k, v in raw.items() if isinstance(v, str)})
        for key, _ in exc.errors.items():
            if exc.errors[key][0] == "my_number":
                context["values"].pop(key, None)  # never echoed back, never stored
        context["errors"] = _field_errors(request, resident, exc.errors)
        context["error"] = _refusal(request, resident, exc.reason)
        return render(request, "apply/form.html", context, status_code=422)
    if not submit:
        context = await _form_context(request, resident, slug, number)
        context["saved"] = True
        return render(
            request,
            "apply/form.html",
            context,
            headers={"HX-Push-Url": f"/forms/{slug}?number={number}"},
        )
    await _count(platform, "applications_submitted")
    if app["fee"] > 0:
        await _ask_payment(request, resident, platform, app)
    context = await _application_context(request, resident, number)
    context["just_sent"] = True
    return render(
        request, "apply/application.html", context, headers={"HX-Push-Url": f"/a/{number}"}
    )


def _fee_description(app: dict[str, Any]) -> str:
    """What the shell's payment sheet and the wallet history say. Fixed per application (in the
    language it was sent in): the shell refuses the same reference with another description."""
    if app.get("locale", "ja") != "ja" and app.get("title_en"):
        return f"{app['title_en']} fee (ref. {app['number']})"[:200]
    return f"{app['title_ja']} 手数料（受付番号 {app['number']}）"[:200]


async def _ask_payment(
    request: Request[Any, Any, Any], resident: Resident, platform: Platform, app: dict[str, Any]
) -> str:
    """Ask the shell for the fee (the same reference never charges twice); mark the application
    paid only when the shell says it is. Returns ``paid``, ``pending`` or a refusal key."""
    if not resident.has("wallet.pay"):
        return "no_wallet"
    try:
        answer = await platform.request_payment(
            resident, app["fee"], _fee_description(app), app["number"]
        )
    except PlatformError:
        return "payment_unavailable"
    if answer.get("status") == "paid" and int(answer.get("amount", -1)) == app["fee"]:
        await actions.mark_paid(app["number"])  # the page shows the receipt and number
        return "paid"
    return "pending"


# ---------------------------------------------------------------- residents: one application


async def _application_context(
    request: Request[Any, Any, Any], resident: Resident, number: str
) -> dict[str, Any]:
    app = await actions.submission(number)
    if app["subject"] != resident.id:
        raise Refused("unknown_application")
    return {**_base(request, resident), **await _application_view(app, resident.locale)}


async def _application_view(app: dict[str, Any], locale: str) -> dict[str, Any]:
    sch = (await actions.version_by_id(app["version"]))["schema"]
    shown = [
        (f, schema.display_value(f, app["answers"].get(f["key"]), locale))
        for f in sch["fields"]
        if f["type"] not in ("section",)
        and (f["key"] in app["answers"] or f["type"] == "attachment")
    ]
    files = await actions.attachments_of(app["id"])
    return {
        "app": app,
        "schema": sch,
        "fields": schema.with_conditions(sch),
        "attached": {f["field"]: f["name"] for f in files if f["purpose"] == "answer"},
        "shown": shown,
        "files": [f for f in files if f["purpose"] == "answer"],
        "result_file": next((f for f in files if f["purpose"] == "result"), None),
        "events": await actions.history(app["id"]),
        "just_sent": False,
        "payment_error": None,
        "errors": {},
        "values": dict(app["answers"]),
        "fee_description": _fee_description(app),
        "has_document": sch.get("result") == "document",
    }


@get("/a/{number:str}", name="apply:application", guards=[requires_scopes()])
async def application_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """One's application: its status and history, the fee, a correction to answer, the result.
    The page asks again every 30 seconds while it is on screen."""
    try:
        context = await _application_context(request, resident, number)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    # paid in the sheet but the page was closed before it asked: ask the shell now
    unpaid = context["app"]["status"] == "payment" and resident.has("wallet.pay")
    if unpaid and await _ask_payment(request, resident, platform, context["app"]) == "paid":
        context = await _application_context(request, resident, number)
    return render(request, "apply/application.html", context)


@get("/a/{number:str}/status", name="apply:status", guards=[requires_scopes()])
async def application_status(
    request: Request, resident: ResidentDep, number: FromPath[str], seen: FromQuery[str] = ""
) -> Response[str]:
    """Polled while the page is open: nothing (204) while the status is the one on screen; the
    whole page again once staff have moved it on."""
    try:
        context = await _application_context(request, resident, number)
    except Refused:
        return Response("", status_code=404, media_type="text/plain")
    if context["app"]["status"] == seen:
        return Response("", status_code=204, media_type="text/plain")
    return render(
        request, "apply/application.html", context,
        headers={"HX-Retarget": "body", "HX-Reswap": "innerHTML"},
    )  # fmt: skip


@post("/a/{number:str}/payment", name="apply:payment", guards=[requires_scopes()])
async def check_payment(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """After the shell's payment sheet: ask the shell (never the page) whether it is paid."""
    try:
        context = await _application_context(request, resident, number)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    if context["app"]["status"] == "payment":
        state = await _ask_payment(request, resident, platform, context["app"])
        context = await _application_context(request, resident, number)
        if state not in ("paid", "pending"):
            context["payment_error"] = _refusal(request, resident, state)
    return render(request, "apply/application.html", context)


@post("/a/{number:str}/correction", name="apply:correction", guards=[requires_scopes()])
async def answer_correction(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """Answer a correction request on the same application."""
    form = await request.form()
    raw = _form_values(form)
    message = str(raw.pop("reply", ""))
    try:
        await _application_context(request, resident, number)  # ownership
        app = await actions.submission(number)
        if app["status"] != "correction":
            raise Refused("closed" if app["status"] in actions.CLOSED_STATUSES else "no_correction")
        for key, upload in await _uploads(form):
            await actions.add_attachment(
                resident.id, number, key, upload.filename or "", await upload.read()
            )
        await actions.answer_correction(resident.id, number, raw, message)
    except Refused as exc:
        try:
            context = await _application_context(request, resident, number)
        except Refused:
            context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
            return render(request, "apply/denied.html", context, status_code=404)
        context["error"] = _refusal(request, resident, exc.reason)
        context["errors"] = _field_errors(request, resident, exc.errors)
        return render(request, "apply/application.html", context, status_code=422)
    context = await _application_context(request, resident, number)
    context["message"] = _t(request, resident.locale)(N_("直した内容を送りました。"))
    return render(request, "apply/application.html", context)


@get("/a/{number:str}/result.pdf", name="apply:result_pdf", guards=[requires_scopes()])
async def result_pdf(
    request: Request, resident: ResidentDep, number: FromPath[str]
) -> Response[bytes]:
    """The result as a PDF (the document staff attached, or the city's decision notice)."""
    try:
        context = await _application_context(request, resident, number)
    except Refused:
        return Response(b"not found", status_code=404, media_type="text/plain")
    app = context["app"]
    if app["status"] not in ("approved", "rejected", "completed"):
        return Response(b"not found", status_code=404, media_type="text/plain")
    if app["result_document"]:
        stored = await actions.attachment(app["result_document"])
        body = bytes(stored["data"]) if stored else b""
    else:
        body = _notice(request, app, resident.locale)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="apply-{number}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


def _notice(request: Request[Any, Any, Any], app: dict[str, Any], locale: str) -> bytes:
    gettext = _t(request, locale)
    title = (app.get("title_en") if locale != "ja" else "") or app["title_ja"]
    return notice_pdf(
        gettext("手続きの結果のお知らせ"),
        [
            (gettext("手続き"), title),
            (gettext("受付番号"), app["number"]),
            (gettext("受け付けた日時"), format_moment(app["submitted_at"], locale)),
            (gettext("結果"), gettext(views.STATUS_LABELS[app["status"]])),
            (gettext("決定した日時"), format_moment(app["decided_at"], locale)),
        ],
        app["result_message"],
    )


@get("/files/{file_id:int}", name="apply:file", guards=[requires_scopes()])
async def file_download(
    request: Request, resident: ResidentDep, platform: PlatformDep, file_id: FromPath[int]
) -> Response[bytes]:
    """A stored file, for whoever sent it (or the person it concerns), and for staff (audited)."""
    row = await actions.attachment(file_id)
    if row is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    person = row["owner"]
    if row["submission"]:
        from .tables import ApplySubmission

        found = (
            await ApplySubmission.select(ApplySubmission.subject)
            .where(ApplySubmission.id == row["submission"])
            .first()
        )
        person = found["subject"] if found else person
        staff = _has(resident, COUNTER_ROLES)
    else:
        from .tables import ApplyReport

        found = (
            await ApplyReport.select(ApplyReport.subject)
            .where(ApplyReport.id == row["report"])
            .first()
        )
        person = found["subject"] if found else person
        staff = _has(resident, WORKS_ROLES)
    if person != resident.id:
        if not staff:
            return Response(b"not found", status_code=404, media_type="text/plain")
        if not await _audit(platform, resident, "apply.file.view", person, {"file": file_id}):
            return Response(b"audit unavailable", status_code=503, media_type="text/plain")
    return Response(
        bytes(row["data"]),
        media_type=row["content_type"],
        headers={
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="file-{file_id}"',
        },
    )


# ---------------------------------------------------------------- residents: reports


async def _reports_context(
    request: Request[Any, Any, Any],
    resident: Resident,
    lat: float | None = None,
    lon: float | None = None,
) -> dict[str, Any]:
    district = place.district_id_of(str(resident.claim("profile.district") or ""))
    return {
        **_base(request, resident),
        "categories": list(views.REPORT_CATEGORIES),
        "districts": place.districts(),
        "home_district": district,
        "can_locate": resident.has("location"),
        "mine": await actions.my_reports(resident.id),
        "near": await actions.reports_near(lat, lon, district),
        "located": lat is not None,
        "key": uuid.uuid4().hex,
        "values": {},
        "filed": None,
        "map": mapview.drawing(resident.locale),
    }


@get("/reports", name="apply:reports", guards=[requires_scopes()])
async def reports_page(
    request: Request, resident: ResidentDep, lat: FromQuery[str] = "", lon: FromQuery[str] = ""
) -> Response[str]:
    """Send a report; one's own reports; open reports nearby (by location or district)."""
    here = _coords(lat, lon) if resident.has("location") else None
    context = await _reports_context(request, resident, *(here or (None, None)))
    if request.headers.get("hx-target") == "apply-near":
        return render(request, "apply/_near.html", context, block=None)
    return render(request, "apply/reports.html", context)


def _coords(lat: Any, lon: Any) -> tuple[float, float] | None:
    try:
        if lat in (None, "") or lon in (None, ""):
            return None
        return float(lat), float(lon)
    except (TypeError, ValueError):
        return None


@post("/reports", name="apply:file_report", guards=[requires_scopes()])
async def file_report(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """File a report: category, photo, place (location or district and address), note."""
    form = await request.form()
    raw = _form_values(form)
    photo = form.get("photo")
    data = await photo.read() if isinstance(photo, UploadFile) and photo.filename else None
    here = _coords(raw.get("lat"), raw.get("lon"))
    try:
        if here and not resident.has("location"):
            raise Refused("no_location")
        # a place the resident tapped on the map needs no location scope: they chose it
        here = here or _coords(raw.get("map_lat"), raw.get("map_lon"))
        filed = await actions.file_report(
            resident.id,
            category=str(raw.get("category", "")),
            note=str(raw.get("note", "")),
            lat=here[0] if here else None,
            lon=here[1] if here else None,
            address=str(raw.get("address", "")),
            district=str(raw.get("district", "")),
            photo=data,
            photo_name=photo.filename if isinstance(photo, UploadFile) else "",
            key=str(raw.get("key", "")),
            locale=resident.locale,
            photo_place=raw.get("photo_place") == "1",
        )
    except Refused as exc:
        context = await _reports_context(request, resident)
        context["values"] = {
            k: v for k, v in raw.items() if k != "note" or exc.reason != "my_number"
        }
        context["error"] = _refusal(request, resident, exc.reason)
        picked = _coords(raw.get("map_lat"), raw.get("map_lon"))
        if picked and place.inside(*picked):
            context["map"] = mapview.drawing(resident.locale, picked)
        return render(request, "apply/reports.html", context, status_code=422)
    await _count(platform, "reports_filed")
    context = await _reports_context(request, resident)
    context["filed"] = filed
    return render(request, "apply/reports.html", context, headers={"HX-Push-Url": "/reports"})


@get("/reports/{number:str}", name="apply:report", guards=[requires_scopes()])
async def report_page(
    request: Request, resident: ResidentDep, number: FromPath[str]
) -> Response[str]:
    """One's report and what staff did, with their reply and the photo of the repair."""
    try:
        row = await actions.report(number)
        if row["subject"] != resident.id:
            raise Refused("unknown_report")
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    context = {
        **_base(request, resident),
        "report": row,
        "events": await actions.report_history(row["id"]),
    }
    return render(request, "apply/report.html", context)


@get("/map/tiles/{zoom:int}/{x:int}/{name:str}", name="apply:map_tile", opt={PUBLIC_OPT: True})
async def map_tile(zoom: FromPath[int], x: FromPath[int], name: FromPath[str]) -> Response[bytes]:
    """A tile (``<y>.png``) of the city's map from the configured tile server, through this app's
    origin (public: a map holds nothing personal). Only tiles the city's map draws are served."""
    source = mapview.tile_source()
    stem, _, suffix = name.partition(".")
    y = int(stem) if stem.isdigit() and suffix == "png" else -1
    body = await source.tile(zoom, x, y) if source and mapview.in_view(zoom, x, y) else None
    if body is None:
        return Response(b"", status_code=404, media_type="text/plain")
    return Response(body, media_type=mapview.image_type(body),
                    headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


ROUTES = [
    map_tile,
    index,
    form_page,
    save_form,
    application_page,
    application_status,
    check_payment,
    answer_correction,
    result_pdf,
    file_download,
    reports_page,
    file_report,
    report_page,
]
