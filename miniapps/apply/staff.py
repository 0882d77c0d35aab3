"""Staff pages: the applications queue with assignment and decisions, the no-code form builder
(fields, conditions, prefill, fee, result, period; preview; publish; CSV export), KPIs as charts,
and the reports list by category and district. Every view or change of a person's record is
audited first."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.charts import bar_chart
from machi_sdk.resident import Resident

from . import actions, place, schema, views
from .actions import Refused
from .routes import (
    COUNTER_ROLES,
    N_,
    WORKS_ROLES,
    _application_view,
    _audit,
    _base,
    _count,
    _denied,
    _form_context,
    _has,
    _notify,
    _refusal,
    _t,
)

log = logging.getLogger(__name__)


def _staff_label(resident: Resident) -> str:
    return str(resident.claim("profile.name") or resident.id[:8])


async def _queue_context(
    request: Request[Any, Any, Any], resident: Resident, status: str, slug: str, mine: bool
) -> dict[str, Any]:
    return {
        **_base(request, resident),
        "queue": await actions.queue(
            status=status, slug=slug, assignee=resident.id if mine else ""
        ),
        "forms": await actions.all_forms(),
        "filter": {"status": status, "slug": slug, "mine": mine},
        "statuses": [s for s in actions.STATUSES if s != "draft"],
    }


@get("/staff", name="apply:staff", guards=[requires_scopes()])
async def staff_queue(
    request: Request,
    resident: ResidentDep,
    status: FromQuery[str] = "",
    form: FromQuery[str] = "",
    mine: FromQuery[str] = "",
) -> Response[str]:
    """The queue: open applications oldest first, by status, procedure or one's own."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    context = await _queue_context(request, resident, status, form, mine == "1")
    return render(request, "apply/staff.html", context)


async def _staff_app_context(
    request: Request[Any, Any, Any], resident: Resident, number: str
) -> dict[str, Any]:
    app = await actions.submission(number)
    return {
        **_base(request, resident),
        **await _application_view(app, resident.locale),
        "moves": sorted(actions.STAFF_MOVES.get(app["status"], set())),
        "language_name": LANGUAGE_NAMES.get(app["locale"], app["locale"]),
        "draft_move": "",
        "draft_message": "",
        "translated": None,
    }


@get("/staff/a/{number:str}", name="apply:staff_application", guards=[requires_scopes()])
async def staff_application(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """One application as staff see it (the view is audited under the applicant)."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    try:
        app = await actions.submission(number)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    if not await _audit(
        platform, resident, "apply.application.view", app["subject"], {"number": number}
    ):
        context = {**_base(request, resident), "error": _refusal(request, resident, "no_audit")}
        return render(request, "apply/denied.html", context, status_code=503)
    return render(
        request, "apply/staff_application.html", await _staff_app_context(request, resident, number)
    )


# What the resident is told (the shell allows an app a few notifications a day per resident, so
# not when staff merely take the application up).
NOTICES = {
    "correction": N_("申請の補正をお願いします"),
    "approved": N_("申請が承認されました"),
    "rejected": N_("申請の結果をお知らせします"),
    "completed": N_("手続きが完了しました"),
}


@post("/staff/a/{number:str}", name="apply:staff_act", guards=[requires_scopes()])
async def staff_act(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """Assign to oneself, ask for a correction, approve, reject or complete (with the result)."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    form = await request.form()
    what = str(form.get("action", ""))
    message = str(form.get("message", ""))
    translated = str(form.get("translated", "")).strip()
    if form.get("translate") == "1":
        return await _translate_preview(request, resident, platform, number, what, message)
    correction: tuple[str, str, str] | None = None
    try:
        app = await actions.submission(number)
        if translated and app["locale"] != "ja":
            correction = (message, app["locale"], translated)
            # the resident reads their language first, and the city's own words below it
            message = f"{translated}\n\n(原文) {message}" if message.strip() else translated
        if not await _audit(
            platform,
            resident,
            f"apply.application.{what or 'act'}"[:40],
            app["subject"],
            {"number": number},
        ):
            raise Refused("no_audit")
        if what == "assign":
            await actions.assign(number, resident.id, _staff_label(resident))
            status = "in_review" if app["status"] == "received" else ""
        else:
            upload = form.get("document")
            document = (
                (await upload.read())
                if isinstance(upload, UploadFile) and upload.filename
                else None
            )
            after = await actions.decide(
                number,
                what,
                message,
                document=document,
                document_name=upload.filename if isinstance(upload, UploadFile) else "",
                by_post=form.get("by_post") == "1",
                staff_id=resident.id,
            )
            status = after["status"]
            if status in ("approved", "rejected"):
                await _count(platform, "applications_decided")
            if status == "rejected":
                await actions.refund_if_rejected(platform, number)
    except Refused as exc:
        context = await _staff_app_context(request, resident, number)
        context["error"] = _refusal(request, resident, exc.reason)
        return render(request, "apply/staff_application.html", context, status_code=422)
    if correction is not None:
        machine = str(form.get("machine_translated", "")).strip()
        await _keep_correction(platform, resident, *correction, machine)
    if status in NOTICES:
        body = message or _t(request, app["locale"])(views.STATUS_HINTS.get(status, ""))
        await _notify(
            request,
            platform,
            app["subject"],
            app["locale"],
            NOTICES[status],
            f"{app['number']}: {body}",
            f"/a/{number}",
        )
    context = await _staff_app_context(request, resident, number)
    context["message"] = _t(request, resident.locale)(N_("保存しました。"))
    return render(request, "apply/staff_application.html", context)


LANGUAGE_NAMES = {"en": "English", "vi": "Tiếng Việt", "zh-Hans": "简体中文", "zh-Hant": "繁體中文",
                  "ko": "한국어", "pt-BR": "Português", "id": "Bahasa Indonesia", "fil": "Filipino",
                  "ne": "नेपाली", "th": "ไทย", "es": "Español", "my": "မြန်မာ"}  # fmt: skip


async def _keep_correction(
    platform: Any, resident: Resident, message: str, target: str, translated: str, machine: str
) -> None:
    """The clerk's corrected translation goes to the city's translation memory, so the same
    words are translated their way from then on; the machine's untouched text does not."""
    if not message.strip() or translated == machine:
        return
    try:
        await platform.remember_translation(resident, message, target, translated)
    except PlatformError as exc:  # the decision is saved and sent all the same
        log.info("translation of %s's message not remembered: %s", resident.id[:8], exc)


async def _translate_preview(
    request: Request[Any, Any, Any],
    resident: Resident,
    platform: Any,
    number: str,
    move: str,
    message: str,
) -> Response[str]:
    """The staff member's message machine-translated into the resident's language, for them to
    check and correct before it is sent; nothing is saved yet. Without an engine, says so."""
    context = await _staff_app_context(request, resident, number)
    context.update(draft_move=move, draft_message=message)
    target = context["app"]["locale"]
    gettext = _t(request, resident.locale)
    if not message.strip() or target == "ja":
        context["error"] = _refusal(request, resident, "needs_message")
        return render(request, "apply/staff_application.html", context, status_code=422)
    try:
        context["translated"] = (await platform.translate([message], target, "ja"))[0]
    except PlatformError:
        context["error"] = gettext(
            N_("この市には機械翻訳がありません。訳文を職員が入力してください。")
        )
        context["translated"] = ""
        return render(request, "apply/staff_application.html", context, status_code=422)
    context["message"] = gettext(N_("訳文を確かめ、必要なら直してから保存してください。"))
    return render(request, "apply/staff_application.html", context)


# ---------------------------------------------------------------- the form builder


async def _forms_context(request: Request[Any, Any, Any], resident: Resident) -> dict[str, Any]:
    return {
        **_base(request, resident),
        "forms": await actions.all_forms(),
        "today": actions.today(),
    }


@get("/staff/forms", name="apply:staff_forms", guards=[requires_scopes()])
async def staff_forms(request: Request, resident: ResidentDep) -> Response[str]:
    """Every procedure, published or not; make a new one."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    return render(request, "apply/staff_forms.html", await _forms_context(request, resident))


@post("/staff/forms", name="apply:staff_new_form", guards=[requires_scopes()])
async def staff_new_form(request: Request, resident: ResidentDep) -> Response[str]:
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    form = await request.form()
    try:
        made = await actions.create_form(
            str(form.get("slug", "")), str(form.get("title_ja", "")), str(form.get("title_en", ""))
        )
    except Refused as exc:
        context = await _forms_context(request, resident)
        context["error"] = _refusal(request, resident, exc.reason)
        return render(request, "apply/staff_forms.html", context, status_code=422)
    context = await _builder_context(request, resident, made["slug"])
    return render(
        request,
        "apply/staff_form.html",
        context,
        headers={"HX-Push-Url": f"/staff/forms/{made['slug']}"},
    )


async def _builder_context(
    request: Request[Any, Any, Any], resident: Resident, slug: str
) -> dict[str, Any]:
    row = await actions.form(slug)
    gettext = _t(request, resident.locale)
    draft = row["draft"]
    fields = draft.get("fields", [])
    return {
        **_base(request, resident),
        "form": row,
        "draft": draft,
        "fields": fields,
        "choice_fields": [f for f in fields if f["type"] == "choice"],
        "number_fields": [f for f in fields if f["type"] == "number"],
        "field_types": {k: gettext(v) for k, v in views.FIELD_TYPES.items()},
        "prefills": {k: gettext(v) for k, v in views.PREFILLS.items()},
        "results": {k: gettext(v) for k, v in views.RESULTS.items()},
        "problems": [],
        "open_now": actions.is_open(row, actions.today()),
        "fee": draft["fee"],
        "kpis": await actions.kpis(1),
    }


@get("/staff/forms/{slug:str}", name="apply:staff_form", guards=[requires_scopes()])
async def staff_form(request: Request, resident: ResidentDep, slug: FromPath[str]) -> Response[str]:
    """The builder of one procedure."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    try:
        context = await _builder_context(request, resident, slug)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    return render(request, "apply/staff_form.html", context)


def _label_pair(form: Any, name: str) -> dict[str, str]:
    return {
        "ja": str(form.get(f"{name}_ja", "")).strip(),
        "en": str(form.get(f"{name}_en", "")).strip(),
    }


def _field_from_form(form: Any) -> dict[str, Any]:
    kind = str(form.get("type", ""))
    field: dict[str, Any] = {
        "key": str(form.get("key", "")).strip(),
        "type": kind,
        "label": _label_pair(form, "label"),
        "help": _label_pair(form, "help"),
        "required": form.get("required") == "1",
        "prefill": str(form.get("prefill", "")) or None,
    }
    if kind == "choice":
        # one choice a line: "value: 日本語ラベル / English label"
        choices = []
        for line in str(form.get("choices", "")).splitlines():
            value, _, labels = line.partition(":")
            ja, _, en = labels.partition("/")
            if value.strip():
                choices.append(
                    {
                        "value": value.strip(),
                        "label": {"ja": ja.strip() or value.strip(), "en": en.strip()},
                    }
                )
        field["choices"] = choices
    if kind == "number":
        field["min"], field["max"] = form.get("min", "0") or "0", form.get("max", "99") or "99"
    if kind in ("text", "address"):
        field["max"] = form.get("max", "") or 200
    when_field = str(form.get("show_field", "")).strip()
    if when_field:
        field["show_if"] = {"field": when_field, "equals": str(form.get("show_equals", "")).strip()}
    return field


@post("/staff/forms/{slug:str}/{what:str}", name="apply:staff_build", guards=[requires_scopes()])
async def staff_build(
    request: Request, resident: ResidentDep, slug: FromPath[str], what: FromPath[str]
) -> Response[str]:
    """One change to the draft; a refusal changes nothing and lists every problem."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    form = await request.form()
    gettext = _t(request, resident.locale)
    message = gettext("保存しました。")
    try:
        if what == "details":
            opens = _day(form.get("opens"))
            closes = _day(form.get("closes"))
            await actions.set_form_details(
                slug,
                title_ja=form.get("title_ja", ""),
                title_en=form.get("title_en", ""),
                summary_ja=form.get("summary_ja", ""),
                summary_en=form.get("summary_en", ""),
                keywords=form.get("keywords", ""),
                opens=opens,
                closes=closes,
            )
        elif what == "field":
            await actions.add_field(slug, _field_from_form(form))
            message = gettext("項目を追加しました。")
        elif what in ("remove", "up", "down"):
            key = str(form.get("key", ""))
            if what == "remove":
                await actions.remove_field(slug, key)
            else:
                await actions.move_field(slug, key, -1 if what == "up" else 1)
        elif what == "rules":
            fee: dict[str, Any] = {"base": form.get("fee_base") or 0}
            if form.get("per_field"):
                fee["per_unit"] = {
                    "field": form.get("per_field"),
                    "amount": form.get("per_amount") or 0,
                }
            if form.get("choice_field"):
                amounts = {}
                for line in str(form.get("choice_amounts", "")).splitlines():
                    value, _, amount = line.partition(":")
                    if value.strip():
                        amounts[value.strip()] = amount.strip() or 0
                fee["by_choice"] = {"field": form.get("choice_field"), "amounts": amounts}
            await actions.set_rules(
                slug,
                fee=fee,
                requires_verified=form.get("verified") == "1",
                result=str(form.get("result", "notice")),
                reviewer=str(form.get("reviewer", "")),
            )
        elif what == "publish":
            number = await actions.publish(slug)
            message = gettext("第%(version)s版を公開しました。") % {"version": number}
        elif what == "withdraw":
            await actions.withdraw(slug)
            message = gettext("公開をやめました。送られた申請はそのまま残ります。")
        elif what == "counter":
            try:
                count = int(str(form.get("count", "")))
            except ValueError:
                raise Refused("bad_count") from None
            await actions.record_counter(slug, str(form.get("month", "")), count)
        else:
            return Response("not found", status_code=404, media_type="text/plain")  # type: ignore[return-value]
    except schema.SchemaError as exc:
        context = await _builder_context(request, resident, slug)
        context["problems"] = [
            (key, gettext(schema.SCHEMA_MESSAGES.get(code, code))) for key, code in exc.problems
        ]
        context["error"] = gettext("保存できませんでした。次の点を直してください。")
        return render(request, "apply/staff_form.html", context, status_code=422)
    except Refused as exc:
        context = await _builder_context(request, resident, slug)
        context["error"] = _refusal(request, resident, exc.reason)
        return render(request, "apply/staff_form.html", context, status_code=422)
    context = await _builder_context(request, resident, slug)
    context["message"] = message
    return render(request, "apply/staff_form.html", context)


def _day(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise Refused("bad_date") from None


@get("/staff/forms/{slug:str}/preview", name="apply:staff_preview", guards=[requires_scopes()])
async def staff_preview(
    request: Request, resident: ResidentDep, slug: FromPath[str]
) -> Response[str]:
    """The draft as a resident will see it, in a phone-sized frame; nothing can be sent."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    try:
        context = await _form_context(request, resident, slug, preview=True)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    return render(request, "apply/form.html", context)


@get("/staff/forms/{slug:str}/export.csv", name="apply:staff_export", guards=[requires_scopes()])
async def staff_export(
    request: Request, resident: ResidentDep, platform: PlatformDep, slug: FromPath[str]
) -> Response[bytes]:
    """Every sent application of the procedure as CSV (UTF-8 with BOM, for spreadsheet software
    and the back-office system). The export is audited."""
    if not _has(resident, COUNTER_ROLES):
        return Response(b"forbidden", status_code=403, media_type="text/plain")
    try:
        header, rows = await actions.export_rows(slug)
    except Refused:
        return Response(b"not found", status_code=404, media_type="text/plain")
    if not await _audit(platform, resident, "apply.export", f"form:{slug}", {"rows": len(rows)}):
        return Response(b"audit unavailable", status_code=503, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="apply-{slug}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


@get("/staff/kpis", name="apply:staff_kpis", guards=[requires_scopes()])
async def staff_kpis(request: Request, resident: ResidentDep) -> Response[str]:
    """Online share and time to decision per month, as charts with a table beside them."""
    if not _has(resident, COUNTER_ROLES):
        return _denied(request, resident)
    rows = await actions.kpis(6)
    context = {
        **_base(request, resident),
        "rows": rows,
        "share": bar_chart([(r["month"][5:], r["share"]) for r in rows], "%"),
        "days": bar_chart([(r["month"][5:], r["median_days"]) for r in rows], ""),
        "forms": await actions.all_forms(),
    }
    return render(request, "apply/staff_kpis.html", context)


# ---------------------------------------------------------------- reports


@get("/staff/reports", name="apply:staff_reports", guards=[requires_scopes()])
async def staff_reports(
    request: Request,
    resident: ResidentDep,
    category: FromQuery[str] = "",
    district: FromQuery[str] = "",
    status: FromQuery[str] = "",
) -> Response[str]:
    """Reports by category, district and status, newest first; no map tiles."""
    if not _has(resident, WORKS_ROLES):
        return _denied(request, resident)
    context = {
        **_base(request, resident),
        "reports": await actions.reports(
            category=category, district=district, status=status, open_only=not status
        ),
        "filter": {"category": category, "district": district, "status": status},
        "categories": list(views.REPORT_CATEGORIES),
        "districts": place.districts(),
        "statuses": list(views.REPORT_STATUSES),
    }
    return render(request, "apply/staff_reports.html", context)


async def _staff_report_context(
    request: Request[Any, Any, Any], resident: Resident, number: str
) -> dict[str, Any]:
    row = await actions.report(number)
    return {
        **_base(request, resident),
        "report": row,
        "events": await actions.report_history(row["id"]),
    }


@get("/staff/reports/{number:str}", name="apply:staff_report", guards=[requires_scopes()])
async def staff_report(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    if not _has(resident, WORKS_ROLES):
        return _denied(request, resident)
    try:
        row = await actions.report(number)
    except Refused as exc:
        context = {**_base(request, resident), "error": _refusal(request, resident, exc.reason)}
        return render(request, "apply/denied.html", context, status_code=404)
    if not await _audit(
        platform, resident, "apply.report.view", row["subject"], {"number": number}
    ):
        context = {**_base(request, resident), "error": _refusal(request, resident, "no_audit")}
        return render(request, "apply/denied.html", context, status_code=503)
    return render(
        request, "apply/staff_report.html", await _staff_report_context(request, resident, number)
    )


REPORT_NOTICES = {
    "open": N_("通報へのお返事があります"),
    "assigned": N_("通報の対応を始めました"),
    "closed": N_("通報の対応が終わりました"),
}


@post("/staff/reports/{number:str}", name="apply:staff_report_act", guards=[requires_scopes()])
async def staff_report_act(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """Assign, reply to or close a report (with a photo of the repair); the reporter is told."""
    if not _has(resident, WORKS_ROLES):
        return _denied(request, resident)
    form = await request.form()
    status = str(form.get("status", ""))
    message = str(form.get("message", ""))
    photo = form.get("photo")
    data = await photo.read() if isinstance(photo, UploadFile) and photo.filename else None
    try:
        row = await actions.report(number)
        if not await _audit(
            platform,
            resident,
            f"apply.report.{status or 'act'}"[:40],
            row["subject"],
            {"number": number},
        ):
            raise Refused("no_audit")
        label = _staff_label(resident) if status == "assigned" else ""
        after = await actions.update_report(
            number, status, message, assignee_label=label, photo=data, staff_id=resident.id
        )
    except Refused as exc:
        context = await _staff_report_context(request, resident, number)
        context["error"] = _refusal(request, resident, exc.reason)
        return render(request, "apply/staff_report.html", context, status_code=422)
    if after["status"] == "closed":
        await _count(platform, "reports_closed")
    await _notify(
        request,
        platform,
        row["subject"],
        row["locale"],
        REPORT_NOTICES[after["status"]],
        f"{number}: {message}" if message else number,
        f"/reports/{number}",
    )
    context = await _staff_report_context(request, resident, number)
    context["message"] = _t(request, resident.locale)(N_("保存しました。"))
    return render(request, "apply/staff_report.html", context)


STAFF_ROUTES = [
    staff_queue,
    staff_application,
    staff_act,
    staff_forms,
    staff_new_form,
    staff_form,
    staff_preview,
    staff_export,
    staff_kpis,
    staff_build,
    staff_reports,
    staff_report,
    staff_report_act,
]
