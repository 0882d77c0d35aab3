"""The handbook's pages for parents. Residents are known by their pairwise id only; a child's
records are shown to its guardians only (``actions`` checks it on every read and write)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.app import PUBLIC_OPT
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, growth, questionnaire, vaccines
from .actions import Refused
from .data_messages import data_text
from .jobs import months_old, translator
from .permissions import ABILITIES, can
from .questionnaire import N_

PUBLIC = {PUBLIC_OPT: True}

REFUSALS = {
    "unknown_child": N_("そのお子さんの記録は見つかりません。"),
    "bad_name": N_("お名前を60字までで入れてください。"),
    "bad_sex": N_("性別を選んでください（成長曲線が男女で違うため）。"),
    "bad_birth_date": N_("生年月日を正しく入れてください。"),
    "bad_birth_weight": N_("出生体重は300〜6000グラムで入れてください。"),
    "bad_birth_length": N_("出生身長は25〜65センチで入れてください。"),
    "bad_gestation": N_("在胎週数は22〜44週で入れてください。"),
    "bad_code": N_("招待コードが正しくないか、期限切れか、使用済みです。"),
    "bad_date": N_("日付を正しく入れてください。"),
    "before_birth": N_("生まれる前の日付は入れられません。"),
    "in_future": N_("未来の日付は入れられません。"),
    "impossible_height": N_(
        "この月齢ではありえない身長です。単位（センチ）と数字を確かめてください。記録していません。"
    ),
    "impossible_weight": N_(
        "この月齢ではありえない体重です。単位（キログラム）と数字を確かめてください。記録していません。"
    ),
    "impossible_head": N_("頭囲は20〜70センチで入れてください。記録していません。"),
    "no_measurement": N_("身長・体重・頭囲のどれかを入れてください。"),
    "no_title": N_("病名やできたことを入れてください。"),
    "bad_kind": N_("記録の種類を選んでください。"),
    "bad_stage": N_("健診の時期を選んでください。"),
    "bad_key": N_("この記録は送れませんでした。もう一度入れてください。"),
    "unknown_vaccine": N_("ワクチンと回数を一覧から選んでください。"),
    "bad_due_date": N_("出産予定日を正しく入れてください。"),
    "no_pregnancy": N_("先に出産予定日を登録してください。"),
    "bad_week": N_("妊娠週数は4〜42週で入れてください。"),
    "unknown_slot": N_("その面談の枠はもうありません。ほかの枠を選んでください。"),
    "slot_taken": N_("その面談の枠はほかの方が予約しました。ほかの枠を選んでください。"),
    "already_booked": N_(
        "予約済みの面談があります。日時を変えるときは「日時を変更」を使ってください。"
    ),
    "unknown_interview": N_("その面談の予約は見つかりません。"),
    "bad_slots": N_("枠の数は1〜40、長さは10〜180分で入れてください。"),
    "bad_place": N_("場所を入れてください。"),
    "past_slot": N_("過ぎた日時には枠を作れません。"),
    "slot_booked": N_("予約の入っている枠は閉じられません。"),
    "bad_layout": N_("出力の種類が正しくありません。"),
    "staff_only": N_("この画面は保健センターの職員だけが使えます。"),
    "no_audit": N_(
        "閲覧の記録を残せないため、いまは表示できません。時間をおいてもう一度お試しください。"
    ),
}
KINDS = {
    "checkup": N_("健診"),
    "measurement": N_("身長・体重"),
    "illness": N_("病気"),
    "milestone": N_("成長の記録"),
}
STAGES = {
    "1m": N_("1か月児健診"),
    "3_4m": N_("3〜4か月児健診"),
    "1y6m": N_("1歳6か月児健診"),
    "3y": N_("3歳児健診"),
}
DOSE_STATUS = {
    "done": N_("済み"),
    "due": N_("受けられます"),
    "upcoming": N_("これから"),
    "missed": N_("定期接種の期間を過ぎました"),
    "flagged": N_("記録に注意"),
    "not_needed": N_("不要（別の種類を選択）"),
}
FLAGS = {
    "too_early": N_(
        "定期接種として受けられる日より前の日付です。接種日を確かめ、保健センターにご相談ください。"
    ),
    "too_late": N_("定期接種の期間を過ぎた日付です（任意接種の扱いになります）。"),
}
INTERVIEW_STATUS = {"booked": N_("予約済み"), "done": N_("面談済み"), "cancelled": N_("取り消し")}


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(resident.locale).gettext


def _refusal(request: Request[Any, Any, Any], resident: Resident, exc: Refused) -> str:
    return str(_t(request, resident)(REFUSALS.get(exc.reason, N_("入力を確かめてください。"))))


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def at(path: str) -> dict[str, str]:
    """The address htmx puts in the frame's history after a form is sent: the page shown, not
    the form's action (a reload then shows the page again instead of a 405)."""
    return {"HX-Push-Url": path}


def is_staff(resident: Resident) -> bool:
    return any(can(resident, action) for action in ABILITIES)


def base(resident: Resident) -> dict[str, Any]:
    loc = resident.locale
    return {
        # a child's age in whole months (legal count), shown with the SDK's ``age`` filter
        "months_old": lambda born, on=None: months_old(born, on or actions.today()),
        "lang": "ja" if loc.startswith("ja") else "en",
        # a data file's text (vaccine names, dose labels, notes) in the reader's language
        "text": lambda value: data_text(value, translator(loc).gettext),
        "is_staff": is_staff(resident),
        "kinds": KINDS,
        "stages": STAGES,
        "dose_status": DOSE_STATUS,
        "flags": FLAGS,
        "interview_status": INTERVIEW_STATUS,
        "qstages": questionnaire.STAGES,
        "error": None,
        "done": None,
    }


async def form_dict(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    return {key: form.get(key) for key in form}


async def count(platform: Platform, kpi: str) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi)


# ---- home and children --------------------------------------------------------------------------


async def _home(
    request: Request[Any, Any, Any],
    resident: Resident,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> Response[str]:
    context = {
        **base(resident),
        "children": await actions.children(resident.id),
        "pregnancy": await actions.pregnancy(resident.id),
        "error": error,
        "done": done,
        "interviews": [
            i for i in await actions.my_interviews(resident.id) if i["status"] == "booked"
        ],
    }
    return render(request, "handbook/index.html", context, status_code=status, headers=at("/"))


@get("/", name="handbook:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep) -> Response[str]:
    """The family's handbook: children, pregnancy, the next interview."""
    await actions.remember_locale(resident.id, resident.locale)
    return await _home(request, resident)


@post("/children", name="handbook:add_child", guards=[requires_scopes()])
async def add_child(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    try:
        child = await actions.add_child(resident.id, await form_dict(request), resident.locale)
    except Refused as exc:
        return await _home(request, resident, status=422, error=_refusal(request, resident, exc))
    await count(platform, "children_registered")
    return await _child_page(
        request, resident, child["id"], done=_t(request, resident)(N_("お子さんを登録しました。"))
    )


@post("/join", name="handbook:join", guards=[requires_scopes()])
async def join(request: Request, resident: ResidentDep) -> Response[str]:
    form = await form_dict(request)
    try:
        child = await actions.join(resident.id, str(form.get("code", "")), resident.locale)
    except Refused as exc:
        return await _home(request, resident, status=422, error=_refusal(request, resident, exc))
    return await _child_page(
        request,
        resident,
        child["id"],
        done=_t(request, resident)(N_("お子さんの記録を共有しました。")),
    )


def _num(value: Any) -> str:
    return "" if value is None else f"{float(value):g}"


def pregnancy_snapshot(found: dict[str, Any] | None, checkups: list[dict[str, Any]]) -> str:
    """What app.js keeps on the device for the offline page: the due date and the checkups."""
    if found is None:
        return ""
    keep = [
        {"day": c["day"].isoformat(), "week": c["week"] or "", "weight_kg": _num(c["weight_kg"])}
        for c in checkups[-30:]
    ]
    due = found["due_date"].isoformat() if found["due_date"] else ""
    return json.dumps({"due_date": due, "checkups": keep}, ensure_ascii=False)


def snapshot(child: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """What app.js keeps on the device for the offline page: the child and recent entries."""
    keep = [
        {
            "day": r["day"].isoformat(),
            "kind": r["kind"],
            "stage": r["stage"],
            "height_cm": _num(r["height_cm"]),
            "weight_kg": _num(r["weight_kg"]),
            "title": r["title"],
        }
        for r in rows[:30]
    ]
    return json.dumps(
        {
            "id": child["id"],
            "name": child["name"],
            "birth_date": child["birth_date"].isoformat(),
            "records": keep,
        },
        ensure_ascii=False,
    )


async def _child_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    child_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
    code: str | None = None,
) -> Response[str]:
    try:
        child = await actions.child_for(resident.id, child_id)
    except Refused as exc:
        return await _home(request, resident, status=404, error=_refusal(request, resident, exc))
    rows = await actions.records(resident.id, child_id)
    context = {
        **base(resident),
        "child": child,
        "records": rows,
        "error": error,
        "done": done,
        "code": code,
        "today": actions.today().isoformat(),
        "guardian_count": len(await actions.guardians(child_id)),
        "snapshot": snapshot(child, rows),
    }
    return render(
        request,
        "handbook/child.html",
        context,
        status_code=status,
        headers=at(f"/children/{child_id}"),
    )


@get("/children/{child_id:int}", name="handbook:child", guards=[requires_scopes()])
async def child_page(
    request: Request, resident: ResidentDep, child_id: FromPath[int]
) -> Response[str]:
    """The child's handbook: checkups, growth, illnesses and milestones; add an entry; share."""
    return await _child_page(request, resident, child_id)


@post("/children/{child_id:int}/records", name="handbook:add_record", guards=[requires_scopes()])
async def add_record(
    request: Request, resident: ResidentDep, child_id: FromPath[int]
) -> Response[str]:
    try:
        await actions.add_record(resident.id, child_id, await form_dict(request))
    except Refused as exc:
        return await _child_page(
            request, resident, child_id, status=422, error=_refusal(request, resident, exc)
        )
    return await _child_page(
        request, resident, child_id, done=_t(request, resident)(N_("記録しました。"))
    )


@post("/children/{child_id:int}/invite", name="handbook:invite", guards=[requires_scopes()])
async def invite(request: Request, resident: ResidentDep, child_id: FromPath[int]) -> Response[str]:
    try:
        code = await actions.invite(resident.id, child_id)
    except Refused as exc:
        return await _home(request, resident, status=404, error=_refusal(request, resident, exc))
    return await _child_page(request, resident, child_id, code=code)


@post("/sync", name="handbook:sync", guards=[requires_scopes()])
async def sync(request: Request, resident: ResidentDep) -> Response[dict[str, Any]]:
    """Entries made offline (JSON ``{"entries": [...]}``): each stored once, by its client key."""
    try:
        data = await request.json()
    except Exception:
        data = None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return Response({"error": "entries"}, status_code=400)
    return Response(await actions.sync(resident.id, entries))


# ---- growth chart and vaccination plan ----------------------------------------------------------


def points(child: dict[str, Any], rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    out = [
        {
            "age_days": (r["day"] - child["birth_date"]).days,
            "value": float(r[column]),
            "day": r["day"],
        }
        for r in rows
        if r[column] is not None
    ]
    return sorted(out, key=lambda p: p["age_days"])


@get("/children/{child_id:int}/growth", name="handbook:growth", guards=[requires_scopes()])
async def growth_page(
    request: Request, resident: ResidentDep, child_id: FromPath[int]
) -> Response[str]:
    """Weight and height on the WHO percentile curves (P3, P50, P97), with a table beside each."""
    try:
        child = await actions.child_for(resident.id, child_id)
    except Refused as exc:
        return await _home(request, resident, status=404, error=_refusal(request, resident, exc))
    rows = await actions.records(resident.id, child_id)
    charts = [
        growth.chart("wfa", child["sex"], points(child, rows, "weight_kg")),
        growth.chart("lhfa", child["sex"], points(child, rows, "height_cm")),
    ]
    return render(
        request, "handbook/growth.html", {**base(resident), "child": child, "charts": charts}
    )


async def _plan_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    child_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> Response[str]:
    try:
        child = await actions.child_for(resident.id, child_id)
    except Refused as exc:
        return await _home(request, resident, status=404, error=_refusal(request, resident, exc))
    rules = vaccines.rules_for(actions.today())
    planned = await actions.plan_for(child)
    groups = [
        {"vaccine": v, "doses": [p for p in planned if p.vaccine == v.id]} for v in rules.vaccines
    ]
    groups = [g for g in groups if g["doses"]]
    context = {
        **base(resident),
        "child": child,
        "groups": groups,
        "rules": rules,
        "error": error,
        "done": done,
        "today": actions.today().isoformat(),
    }
    return render(
        request,
        "handbook/plan.html",
        context,
        status_code=status,
        headers=at(f"/children/{child_id}/plan"),
    )


@get("/children/{child_id:int}/plan", name="handbook:plan", guards=[requires_scopes()])
async def plan_page(
    request: Request, resident: ResidentDep, child_id: FromPath[int]
) -> Response[str]:
    """The routine immunisation plan: per dose the window, the earliest legal date and the last."""
    return await _plan_page(request, resident, child_id)


@post("/children/{child_id:int}/doses", name="handbook:record_dose", guards=[requires_scopes()])
async def record_dose(
    request: Request, resident: ResidentDep, child_id: FromPath[int]
) -> Response[str]:
    form = await form_dict(request)
    vaccine, _, dose = str(form.get("which", "")).partition(":")
    try:
        saved = await actions.record_dose(
            resident.id, child_id, {**form, "vaccine": vaccine, "dose": dose}
        )
    except Refused as exc:
        return await _plan_page(
            request, resident, child_id, status=422, error=_refusal(request, resident, exc)
        )
    gt = _t(request, resident)
    if saved["flag"]:
        return await _plan_page(
            request,
            resident,
            child_id,
            error=gt(N_("記録しました。")) + " " + gt(FLAGS[saved["flag"]]),
        )
    return await _plan_page(request, resident, child_id, done=gt(N_("記録しました。")))


# ---- pregnancy ----------------------------------------------------------------------------------


async def _pregnancy_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
) -> Response[str]:
    found = await actions.pregnancy(resident.id)
    context = {
        **base(resident),
        "pregnancy": found,
        "error": error,
        "done": done,
        "today": actions.today().isoformat(),
        "checkups": await actions.pregnancy_checkups(found["id"]) if found else [],
    }
    context["snapshot"] = pregnancy_snapshot(found, context["checkups"])
    return render(
        request, "handbook/pregnancy.html", context, status_code=status, headers=at("/pregnancy")
    )


@get("/pregnancy", name="handbook:pregnancy", guards=[requires_scopes()])
async def pregnancy_page(request: Request, resident: ResidentDep) -> Response[str]:
    """The pregnancy: due date, checkups with weight, notes."""
    return await _pregnancy_page(request, resident)


@post("/pregnancy", name="handbook:save_pregnancy", guards=[requires_scopes()])
async def save_pregnancy(request: Request, resident: ResidentDep) -> Response[str]:
    try:
        await actions.save_pregnancy(resident.id, await form_dict(request))
    except Refused as exc:
        return await _pregnancy_page(
            request, resident, status=422, error=_refusal(request, resident, exc)
        )
    return await _pregnancy_page(
        request, resident, done=_t(request, resident)(N_("保存しました。"))
    )


@post("/pregnancy/checkups", name="handbook:pregnancy_checkup", guards=[requires_scopes()])
async def pregnancy_checkup(request: Request, resident: ResidentDep) -> Response[str]:
    try:
        await actions.add_pregnancy_checkup(resident.id, await form_dict(request))
    except Refused as exc:
        return await _pregnancy_page(
            request, resident, status=422, error=_refusal(request, resident, exc)
        )
    return await _pregnancy_page(
        request, resident, done=_t(request, resident)(N_("記録しました。"))
    )


# ---- questionnaire and interviews ---------------------------------------------------------------


async def _questionnaire_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    stage: str,
    *,
    status: int = 200,
    problems: list[str] | None = None,
    given: dict[str, Any] | None = None,
) -> Response[str]:
    mine = {q["stage"]: q for q in await actions.questionnaires(resident.id)}
    saved = mine.get(stage)
    answers = (
        given
        if given is not None
        else (
            json.loads(saved["answers"])
            if saved and isinstance(saved["answers"], str)
            else saved["answers"]
            if saved
            else {}
        )
    )
    error = (
        _t(request, resident)(N_("答えていない質問があります。印のついた質問に答えてください。"))
        if problems
        else None
    )
    context = {
        **base(resident),
        "stage": stage,
        "questions": questionnaire.QUESTIONS,
        "answers": answers,
        "problems": problems or [],
        "saved": saved,
        "error": error,
    }
    return render(
        request,
        "handbook/questionnaire.html",
        context,
        status_code=status,
        headers=at(f"/questionnaire?stage={stage}"),
    )


@get("/questionnaire", name="handbook:questionnaire", guards=[requires_scopes()])
async def questionnaire_page(request: Request, resident: ResidentDep) -> Response[str]:
    """The pre-interview questionnaire, answered before the interview."""
    stage = str(request.query_params.get("stage", "pregnancy"))
    return await _questionnaire_page(
        request, resident, stage if stage in questionnaire.STAGES else "pregnancy"
    )


@post("/questionnaire", name="handbook:answer", guards=[requires_scopes()])
async def answer(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    form = await request.form()
    values = {key: form.getall(key) for key in form}
    stage = str(form.get("stage", ""))
    try:
        await actions.answer(resident.id, stage, values)
    except questionnaire.Invalid as exc:
        given = {k: (v if k == "topics" else (v[0] if v else "")) for k, v in values.items()}
        return await _questionnaire_page(
            request,
            resident,
            stage if stage in questionnaire.STAGES else "pregnancy",
            status=422,
            problems=exc.problems,
            given=given,
        )
    await count(platform, "questionnaires_online")
    done = _t(request, resident)(N_("アンケートを送りました。面談の日時を選んでください。"))
    return await _interviews_page(request, resident, done=done, stage=stage)


async def _interviews_page(
    request: Request[Any, Any, Any],
    resident: Resident,
    *,
    status: int = 200,
    error: str | None = None,
    done: str | None = None,
    stage: str = "",
) -> Response[str]:
    mine = await actions.my_interviews(resident.id)
    context = {
        **base(resident),
        "mine": mine,
        "slots": await actions.free_slots(),
        "booked": next((i for i in mine if i["status"] == "booked"), None),
        "forms": await actions.questionnaires(resident.id),
        "stage": stage,
        "error": error,
        "done": done,
    }
    return render(
        request, "handbook/interviews.html", context, status_code=status, headers=at("/interviews")
    )


@get("/interviews", name="handbook:interviews", guards=[requires_scopes()])
async def interviews(request: Request, resident: ResidentDep) -> Response[str]:
    """My interviews and the free slots to book one."""
    return await _interviews_page(request, resident)


@post("/interviews", name="handbook:book", guards=[requires_scopes()])
async def book(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    form = await form_dict(request)
    try:
        await actions.book(
            resident.id, _int(form.get("slot")), str(form.get("stage", "")), resident.locale
        )
    except Refused as exc:
        return await _interviews_page(
            request,
            resident,
            status=409 if exc.reason == "slot_taken" else 422,
            error=_refusal(request, resident, exc),
        )
    await count(platform, "interviews_booked")
    return await _interviews_page(
        request,
        resident,
        done=_t(request, resident)(N_("面談を予約しました。前日にお知らせします。")),
    )


@post(
    "/interviews/{interview_id:int}/reschedule",
    name="handbook:reschedule",
    guards=[requires_scopes()],
)
async def reschedule(
    request: Request, resident: ResidentDep, interview_id: FromPath[int]
) -> Response[str]:
    form = await form_dict(request)
    try:
        await actions.reschedule(resident.id, interview_id, _int(form.get("slot")))
    except Refused as exc:
        return await _interviews_page(
            request,
            resident,
            status=409 if exc.reason == "slot_taken" else 422,
            error=_refusal(request, resident, exc),
        )
    return await _interviews_page(
        request, resident, done=_t(request, resident)(N_("面談の日時を変更しました。"))
    )


@post("/interviews/{interview_id:int}/cancel", name="handbook:cancel", guards=[requires_scopes()])
async def cancel(
    request: Request, resident: ResidentDep, interview_id: FromPath[int]
) -> Response[str]:
    try:
        await actions.cancel(resident.id, interview_id)
    except Refused as exc:
        return await _interviews_page(
            request, resident, status=422, error=_refusal(request, resident, exc)
        )
    return await _interviews_page(
        request, resident, done=_t(request, resident)(N_("面談の予約を取り消しました。"))
    )


# ---- offline ------------------------------------------------------------------------------------


@get("/offline", name="handbook:offline", opt=PUBLIC)
async def offline(request: Request) -> Response[str]:
    """The page the service worker shows without network: nothing personal in it; the records
    kept on this device (by app.js) are drawn, and new entries queued, by offline.js."""
    return render(
        request,
        "handbook/offline.html",
        {"today": actions.today().isoformat()},
        block=None,
        headers={"Cache-Control": "no-cache"},
    )



from .staff import STAFF_ROUTES  # noqa: E402

ROUTES = [
    index,
    add_child,
    join,
    child_page,
    add_record,
    invite,
    sync,
    growth_page,
    plan_page,
    record_dose,
    pregnancy_page,
    save_pregnancy,
    pregnancy_checkup,
    questionnaire_page,
    answer,
    interviews,
    book,
    reschedule,
    cancel,
    offline,
    *STAFF_ROUTES,
]
