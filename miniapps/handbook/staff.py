"""Health-centre staff: interview slots, the questionnaire before each interview, the interview
record, CSV exports in the column layout the city sets for its health-management system, and the
printable form (PDF). Every view of a person's answers and every export is audited first."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.formatting import format_moment
from machi_sdk.pdf import one_page, wrap
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, questionnaire
from .actions import JST, Refused
from .permissions import can
from .questionnaire import N_


def _routes() -> Any:
    from . import routes

    return routes


async def _audit(
    platform: Platform, resident: Resident, action: str, subject: str, detail: dict[str, Any]
) -> bool:
    try:
        await platform.audit(resident, action, subject, detail)
    except PlatformError:
        return False
    return True


def _denied(
    request: Request[Any, Any, Any],
    resident: Resident,
    reason: str = "staff_only",
    status: int = 403,
) -> Response[str]:
    r = _routes()
    context = {**r.base(resident), "error": r._refusal(request, resident, Refused(reason))}
    return render(request, "handbook/denied.html", context, status_code=status)


def _layout_text(columns: list[dict[str, str]]) -> str:
    return "\n".join(f"{c['header']}={c['field']}" for c in columns)


async def _staff_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> Response[str]:
    r = _routes()
    context = {
        **r.base(resident),
        "slots": await actions.free_slots(),
        "interviews": await actions.staff_interviews(),
        "error": error,
        "done": done,
        "layouts": {
            k: _layout_text(await actions.layout(k)) for k in questionnaire.DEFAULT_LAYOUTS
        },
        "fields": questionnaire.FIELDS,
        "tomorrow": (actions.today() + dt.timedelta(days=1)).isoformat(),
    }
    return render(
        request, "handbook/staff.html", context, status_code=status, headers=_routes().at("/staff")
    )


@get("/staff", name="handbook:staff", guards=[requires_scopes()])
async def staff_page(request: Request, resident: ResidentDep) -> Response[str]:
    """Slots, booked interviews, export layouts."""
    if not can(resident, "slots.manage"):
        return _denied(request, resident)
    return await _staff_page(request, resident)


@post("/staff/slots", name="handbook:add_slots", guards=[requires_scopes()])
async def add_slots(request: Request, resident: ResidentDep) -> Response[str]:
    r = _routes()
    if not can(resident, "slots.manage"):
        return _denied(request, resident)
    form = await r.form_dict(request)
    try:
        start = dt.datetime.fromisoformat(f"{form.get('day')}T{form.get('time')}").replace(
            tzinfo=JST
        )
    except ValueError:
        return await _staff_page(
            request, resident, status=422, error=r._refusal(request, resident, Refused("bad_date"))
        )
    try:
        made = await actions.add_slots(
            resident.id,
            start,
            r._int(form.get("count")),
            r._int(form.get("minutes")),
            str(form.get("place", "")),
        )
    except Refused as exc:
        return await _staff_page(
            request, resident, status=422, error=r._refusal(request, resident, exc)
        )
    gt = r._t(request, resident)
    return await _staff_page(
        request, resident, done=gt(N_("面談の枠を%(n)s件作りました。")) % {"n": made}
    )


@post("/staff/slots/{slot_id:int}/close", name="handbook:close_slot", guards=[requires_scopes()])
async def close_slot(
    request: Request, resident: ResidentDep, slot_id: FromPath[int]
) -> Response[str]:
    r = _routes()
    if not can(resident, "slots.manage"):
        return _denied(request, resident)
    try:
        await actions.close_slot(slot_id)
    except Refused as exc:
        return await _staff_page(
            request, resident, status=422, error=r._refusal(request, resident, exc)
        )
    return await _staff_page(
        request, resident, done=r._t(request, resident)(N_("枠を閉じました。"))
    )


async def _interview_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    platform: Platform,
    interview_id: int,
    done: str | None = None,
) -> Response[str]:
    r = _routes()
    found = await actions.staff_interview(interview_id)
    if found is None:
        return _denied(request, resident, "unknown_interview", 404)
    if not await _audit(
        platform, resident, "interview.view", found["owner"], {"interview": interview_id}
    ):
        return _denied(request, resident, "no_audit", 503)
    context = {
        **r.base(resident),
        "item": found,
        "questions": questionnaire.QUESTIONS,
        "done": done,
    }
    return render(
        request,
        "handbook/staff_interview.html",
        context,
        headers=_routes().at(f"/staff/interviews/{interview_id}"),
    )


@get(
    "/staff/interviews/{interview_id:int}",
    name="handbook:staff_interview",
    guards=[requires_scopes()],
)
async def staff_interview(
    request: Request, resident: ResidentDep, platform: PlatformDep, interview_id: FromPath[int]
) -> Response[str]:
    """The questionnaire before the interview, and the interview record (the view is audited)."""
    if not can(resident, "interview.read"):
        return _denied(request, resident)
    return await _interview_page(request, resident, platform, interview_id)


@post(
    "/staff/interviews/{interview_id:int}", name="handbook:staff_record", guards=[requires_scopes()]
)
async def staff_record(
    request: Request, resident: ResidentDep, platform: PlatformDep, interview_id: FromPath[int]
) -> Response[str]:
    r = _routes()
    if not can(resident, "interview.record"):
        return _denied(request, resident)
    form = await r.form_dict(request)
    await actions.record_interview(
        interview_id, str(form.get("staff_notes", "")), form.get("done") == "1"
    )
    return await _interview_page(
        request,
        resident,
        platform,
        interview_id,
        done=r._t(request, resident)(N_("面談記録を保存しました。")),
    )


@get(
    "/staff/interviews/{interview_id:int}/form.pdf",
    name="handbook:staff_pdf",
    guards=[requires_scopes()],
)
async def staff_pdf(
    request: Request, resident: ResidentDep, platform: PlatformDep, interview_id: FromPath[int]
) -> Response[bytes]:
    """The questionnaire and interview record on one A4 page, to print (audited)."""
    if not can(resident, "form.print"):
        return Response(b"forbidden", status_code=403, media_type="text/plain")
    found = await actions.staff_interview(interview_id)
    if found is None:
        return Response(b"not found", status_code=404, media_type="text/plain")
    if not await _audit(
        platform, resident, "interview.print", found["owner"], {"interview": interview_id}
    ):
        return Response(b"audit unavailable", status_code=503, media_type="text/plain")
    lines: list[tuple[int, str]] = [
        (18, "伴走型相談支援 面談票"),
        (11, ""),
        (11, f"面談番号  {found['id']}"),
        (11, f"日時  {format_moment(found['starts_at'], 'ja')}  場所  {found['place']}"),
        (11, ""),
    ]
    form = found["form"]
    if form:
        lines.append((12, f"事前アンケート（{questionnaire.STAGES.get(form['stage'], '')}）"))
        for q in questionnaire.QUESTIONS:
            value = form["answers"].get(q["id"], "")
            if q.get("choices"):
                values = value if isinstance(value, list) else [value]
                value = "、".join(q["choices"].get(v, v) for v in values if v)
            for part in wrap(f"{q['label']}: {value}", 44):
                lines.append((10, part))
    lines += [(11, ""), (12, "面談記録")]
    lines += [(10, part) for part in wrap(found["staff_notes"] or "", 44)[:20]]
    return Response(
        one_page(lines),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="interview-{interview_id}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@post("/staff/layouts/{kind:str}", name="handbook:save_layout", guards=[requires_scopes()])
async def save_layout(
    request: Request, resident: ResidentDep, kind: FromPath[str]
) -> Response[str]:
    """The CSV column layout (``見出し=field`` per line) the health-management system reads."""
    r = _routes()
    if not can(resident, "export.layout"):
        return _denied(request, resident)
    form = await r.form_dict(request)
    gt = r._t(request, resident)
    try:
        await actions.save_layout(resident.id, kind, str(form.get("columns", "")))
    except Refused as exc:
        return await _staff_page(
            request, resident, status=422, error=r._refusal(request, resident, exc)
        )
    except questionnaire.Invalid as exc:
        text = gt(
            N_(
                "列の設定に誤りがあります（%(lines)s行目）。「見出し=項目」の形で、項目は一覧から選んでください。"
            )
        )
        return await _staff_page(
            request, resident, status=422, error=text % {"lines": ", ".join(exc.problems)}
        )
    return await _staff_page(request, resident, done=gt(N_("出力の列を保存しました。")))


@get("/staff/export/{filename:str}", name="handbook:export", guards=[requires_scopes()])
async def export(
    request: Request, resident: ResidentDep, platform: PlatformDep, filename: FromPath[str]
) -> Response[bytes]:
    """Questionnaires or interview records as CSV (UTF-8 with BOM) in the city's column layout;
    the export is audited before anything is sent."""
    if not can(resident, "export.csv"):
        return Response(b"forbidden", status_code=403, media_type="text/plain")
    kind = filename.removesuffix(".csv")
    if kind not in questionnaire.DEFAULT_LAYOUTS or not filename.endswith(".csv"):
        return Response(b"not found", status_code=404, media_type="text/plain")
    header, rows = await actions.export_rows(kind)
    if not await _audit(
        platform,
        resident,
        "handbook.export",
        f"export:{kind}",
        {"rows": len(rows), "columns": json.dumps(header, ensure_ascii=False)[:500]},
    ):
        return Response(b"audit unavailable", status_code=503, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="handbook-{kind}.csv"',
            "Cache-Control": "private, no-store",
        },
    )


STAFF_ROUTES = [
    staff_page,
    add_slots,
    close_slot,
    staff_interview,
    staff_record,
    staff_pdf,
    save_layout,
    export,
]
