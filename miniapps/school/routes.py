"""The school app's pages: guardians (link, notices, letters, messages, the gate QR) and staff
(the day's board, gate scans, enrolment codes, letters, the class inbox, the month's export).

Who may see what: a child's record only its guardians and its class's staff (and
administrators); every staff read of a child's record or a guardian's conversation is audited.
A refusal answers 422 with the reason in the reader's language and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from machi_sdk import PlatformDep, ResidentDep, render, requires_scopes
from machi_sdk.charts import bar_chart
from machi_sdk.platform import Platform, PlatformError
from machi_sdk.resident import Resident
from machi_sdk.web import render_to_string

from . import actions, queries, reasons, services
from .delivery import deliver
from .storage import MAX_BYTES, storage
from .views import N_, labels, qr_svg

log = logging.getLogger(__name__)

STAFF_ROLES = ("school_staff", "admin")
WAIT_SECONDS = 15.0

REFUSALS = {
    "blank": N_("コードを、学校・園からのお知らせに書かれているとおりに入れてください。"),
    "no_match": N_(
        "そのコードは確認できませんでした。学校・園からのお知らせをもう一度確かめてください。"
    ),
    "expired": N_("このコードは有効期限が切れています。学校・園に新しいコードをお尋ねください。"),
    "full": N_("このお子さんには、すでに保護者が2人登録されています。"),
    "locked": N_(
        "確認できないコードが続いたため、24時間は登録できません。学校・園にお問い合わせください。"
    ),
    "bad_kind": N_("連絡の種類を選んでください。"),
    "bad_reason": N_("理由を選んでください。"),
    "bad_symptom": N_("症状は一覧から選んでください。"),
    "bad_time": N_("時刻を 08:30 のように入れてください。"),
    "note_too_long": N_("メモは200文字までです。"),
    "past_day": N_("過ぎた日の連絡はできません。"),
    "too_far": N_("連絡できるのは60日先までです。"),
    "after_deadline": N_(
        "今日の欠席・遅刻の連絡は %(deadline)s までです。学校・園に電話でご連絡ください。"
    ),
    "bad_name": N_("名前を40文字以内で入れてください。"),
    "blank_letter": N_("題名と本文を入れてください。"),
    "too_long": N_("題名は120文字、本文は10000文字までです。"),
    "bad_audience": N_("送り先を選んでください。"),
    "past_send_at": N_("送る日時が過ぎています。"),
    "too_large": N_("「%(name)s」は大きすぎます（1ファイル3MBまで）。"),
    "bad_type": N_("「%(name)s」は送れない種類のファイルです（PDF、JPEG、PNGだけ）。"),
    "too_many": N_("添付できるファイルは3つまでです。"),
    "blank_message": N_("メッセージを入れてください。"),
    "message_too_long": N_("メッセージは2000文字までです。"),
    "bad_direction": N_("登園か降園かを選んでください。"),
    "unknown_qr": N_("このQRコードの子どもは、このクラスにいません。"),
    "bad_month": N_("月を 2026-11 のように入れてください。"),
    "bad_class": N_(
        "学校・園の名前（80文字まで）、クラス名（40文字まで）、学年（0〜9）を入れてください。"
    ),
    "bad_choices": N_("質問には、40文字以内の異なる選択肢を2〜6個つけてください（1行に1つ）。"),
    "bad_choice": N_("選択肢から1つ選んでください。"),
    "blank_note": N_("連絡帳に書くことを入れてください。"),
    "contact_too_long": N_("連絡帳は家庭から500文字、園・学校から1000文字までです。"),
    "not_found": N_("見つかりませんでした。画面を開き直してください。"),
    "bad_label": N_("理由を%(max)s文字以内で入れてください。"),
    "same_label": N_("同じ理由がすでにあります。"),
    "too_many_reasons": N_("理由は%(max)s個までです。"),
    "last_reason": N_("保護者が選べる理由を少なくとも1つ残してください。"),
}


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    return request.app.state["machi_runtime"].miniapp.translations(resident.locale).gettext


def _refusal(request: Request[Any, Any, Any], resident: Resident, exc: actions.Refused) -> str:
    return (
        _t(request, resident)(REFUSALS[exc.reason]) % exc.details
        if exc.details
        else _t(request, resident)(REFUSALS[exc.reason])
    )


def _is_staff(resident: Resident) -> bool:
    return any(resident.has_role(role) for role in STAFF_ROLES)


def _is_admin(resident: Resident) -> bool:
    return resident.has_role("admin")


async def _may_staff(resident: Resident, class_id: int) -> bool:
    """The class's own staff, or an administrator; a teacher of another class may not."""
    if _is_admin(resident):
        return await queries.klass(class_id) is not None
    return resident.has_role("school_staff") and await queries.is_class_staff(resident.id, class_id)


def _missing(
    request: Request[Any, Any, Any], resident: Resident, status: int = 404
) -> Response[str]:
    t = _t(request, resident)
    text = (
        t("この画面は、学校・園の職員だけが使えます。")
        if status == 403
        else t("見つかりません。一覧から選んでください。")
    )
    return render(request, "school/missing.html", {"message": text}, status_code=status)


def _nonce() -> str:
    return secrets.token_urlsafe(16)


# --- guardians --------------------------------------------------------------------------------


async def _index_context(resident: Resident) -> dict[str, Any]:
    children = await queries.children_of(resident.id)
    classes: dict[int, dict[str, Any]] = {}
    for c in children:
        classes.setdefault(c["class_id"], {"id": c["class_id"], "name": c["class_name"],
                                           "school": c["school"], "children": []})  # fmt: skip
        classes[c["class_id"]]["children"].append(c["first_name"])
    letters = await queries.letters_for_guardian(resident.id) if children else []
    return {"children": children, "classes": list(classes.values()), "letters": letters[:10],
            "unread": sum(1 for x in letters if not x["read"]), "error": None, "linked": None,
            "is_staff": _is_staff(resident), **labels()}  # fmt: skip


@get("/", name="school:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep) -> Response[str]:
    """The guardian's children, letters and classes, and the form to link a child."""
    if await queries.children_of(resident.id):
        await actions.remember_locale(resident.id, resident.locale, resident.has("notify"))
    return render(request, "school/index.html", await _index_context(resident))


@post("/link", name="school:link", guards=[requires_scopes()])
async def link(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Link a child with the code the school or nursery gave."""
    form = await request.form()
    before = {c["id"] for c in await queries.children_of(resident.id)}
    try:
        child_id = await actions.link_child(
            resident.id, str(form.get("code", "")), locale=resident.locale,
            notify=resident.has("notify"),
        )  # fmt: skip
    except actions.Refused as exc:
        context = await _index_context(resident)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/index.html", context, status_code=422)
    if child_id not in before:  # the same code twice is one registration
        await services.count(platform, "guardians_registered")
    context = await _index_context(resident)
    context["linked"] = next((c for c in context["children"] if c["id"] == child_id), None)
    return render(request, "school/index.html", context)


async def _labels(platform: Platform, resident: Resident) -> dict[str, Any]:
    """Labels in the reader's language, the schools' own absence reasons
    among them."""
    return labels(await services.reason_labels(platform, resident.locale))


async def _reason_choices(school: str) -> list[str]:
    return [r["code"] for r in await reasons.usable(school)]


async def _child_context(resident: Resident, child_id: int, platform: Platform) -> dict[str, Any]:
    row = await queries.child(child_id)
    assert row is not None
    since = actions.today()
    return {"child": row, "notices": await queries.notices_for(child_id, since),
            "today": since, "kinds": actions.KINDS, "reasons": await _reason_choices(row["school"]),
            "symptoms": actions.SYMPTOMS, "qr": qr_svg(actions.qr_text(row)), "error": None,
            "saved": None, "form": {}, "contact_saved": False,
            "attendance": await queries.attendance(child_id, since),
            "contacts": await queries.contacts(child_id, since - dt.timedelta(days=7)),
            **await _labels(platform, resident)}  # fmt: skip


@post("/children/{child_id:int}/unlink", name="school:unlink", guards=[requires_scopes()])
async def unlink(request: Request, resident: ResidentDep, child_id: FromPath[int]) -> Response[str]:
    """The guardian removes the child from their account (the school keeps its own record)."""
    await actions.unlink_child(resident.id, child_id)
    return render(request, "school/index.html", await _index_context(resident))


@post("/children/{child_id:int}/contact", name="school:home_note", guards=[requires_scopes()])
async def home_note(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int]
) -> Response[str]:
    """Today's note from home in the contact book (連絡帳)."""
    if not await queries.is_guardian(resident.id, child_id):
        return _missing(request, resident)
    form = await request.form()
    context = await _child_context(resident, child_id, platform)
    try:
        await actions.write_contact(child_id, actions.today(), str(form.get("note", "")),
                                    from_school=False)  # fmt: skip
    except actions.Refused as exc:
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/child.html", context, status_code=422)
    context = await _child_context(resident, child_id, platform)
    context["contact_saved"] = True
    return render(request, "school/child.html", context)


@get("/children/{child_id:int}", name="school:child", guards=[requires_scopes()])
async def child_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int]
) -> Response[str]:
    """One child: report absence, lateness or pick-up; the notices ahead; the gate QR."""
    if not await queries.is_guardian(resident.id, child_id):
        return _missing(request, resident)
    return render(request, "school/child.html", await _child_context(resident, child_id, platform))


@post("/children/{child_id:int}/notices", name="school:notice", guards=[requires_scopes()])
async def notice(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int]
) -> Response[str]:
    if not await queries.is_guardian(resident.id, child_id):
        return _missing(request, resident)
    form = await request.form()
    context = await _child_context(resident, child_id, platform)
    context["form"] = {k: form.get(k) for k in ("kind", "reason", "day", "at_time", "note")}
    context["form"]["symptoms"] = form.getall("symptoms") if "symptoms" in form else []
    try:
        day = dt.date.fromisoformat(str(form.get("day", "")))
    except ValueError:
        day = None
    try:
        if day is None:
            raise actions.Refused("past_day")
        _, new = await actions.submit_notice(
            resident.id, child_id, day=day, kind=str(form.get("kind", "")),
            reason=str(form.get("reason", "")),
            symptoms=[str(s) for s in context["form"]["symptoms"]],
            at_time=str(form.get("at_time", "") or ""), note=str(form.get("note", "")),
        )  # fmt: skip
    except actions.Refused as exc:
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/child.html", context, status_code=422)
    if new and str(form.get("kind")) == "absent":
        await services.count(platform, "absences_app")
    context = await _child_context(resident, child_id, platform)
    context["saved"] = day
    return render(request, "school/child.html", context)


@post("/children/{child_id:int}/notices/{day:str}/withdraw", name="school:withdraw",
      guards=[requires_scopes()])  # fmt: skip
async def withdraw(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int],
    day: FromPath[str],
) -> Response[str]:  # fmt: skip
    if not await queries.is_guardian(resident.id, child_id):
        return _missing(request, resident)
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        return _missing(request, resident)
    if when >= actions.today():
        await actions.withdraw_notice(resident.id, child_id, when)
    return render(request, "school/child.html", await _child_context(resident, child_id, platform))


async def _letter_in(platform: Platform, letter: dict[str, Any], locale: str) -> dict[str, Any]:
    """The letter as the reader reads it: staff's or machine translation, else the original."""
    original = {"title": letter["title"], "body": letter["body"], "question": letter["question"],
                "choices": letter["choices"]}  # fmt: skip
    if services.is_japanese(locale):
        return {**original, "source": "original"}
    lang = services.language(locale)
    text = await queries.letter_text(letter["id"], lang)
    if text is None:
        texts = [letter["title"], letter["body"], *services.letter_extra(letter)]
        answer = await services.translate(platform, texts, lang)
        if answer is not None:
            await actions.set_letter_text(letter["id"], lang, answer[0], answer[1], "machine",
                                          answer[2:])  # fmt: skip
            text = await queries.letter_text(letter["id"], lang)
    if text is None:
        return {**original, "source": "untranslated"}
    extra = text["extra"] if len(text["extra"]) == 1 + len(letter["choices"]) else []
    return {"title": text["title"], "body": text["body"], "source": text["source"],
            "question": extra[0] if extra else letter["question"],
            "choices": extra[1:] if extra else letter["choices"]}  # fmt: skip


async def _letter_context(platform: Platform, resident: Resident, letter_id: int) -> dict[str, Any]:
    letter = await queries.letter(letter_id)
    assert letter is not None
    read = not await _unread(resident.id, letter_id)
    return {"letter": letter, "shown": await _letter_in(platform, letter, resident.locale),
            "attachments": await queries.attachments(letter_id), "read": read,
            "answer": await queries.my_answer(letter_id, resident.id), "error": None,
            "answered": False, "confirmed": False, **labels()}  # fmt: skip


async def _unread(subject: str, letter_id: int) -> bool:
    from .tables import SchoolReceipt

    return not await SchoolReceipt.exists().where(SchoolReceipt.key == f"{letter_id}|{subject}")


@get("/letters/{letter_id:int}", name="school:letter", guards=[requires_scopes()])
async def letter_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    """A letter in the reader's language, the Japanese original one tap away, its files."""
    if not await queries.letter_visible_to(resident.id, letter_id):
        return _missing(request, resident)
    return render(request, "school/letter.html",
                  await _letter_context(platform, resident, letter_id))  # fmt: skip


@post("/letters/{letter_id:int}/read", name="school:read", guards=[requires_scopes()])
async def confirm_read(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    if not await queries.letter_visible_to(resident.id, letter_id):
        return _missing(request, resident)
    if await actions.confirm_read(resident.id, letter_id):
        await services.count(platform, "letters_read")
    context = await _letter_context(platform, resident, letter_id)
    context["confirmed"] = True
    return render(request, "school/letter.html", context)


@post("/letters/{letter_id:int}/answer", name="school:answer", guards=[requires_scopes()])
async def answer(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    """Answer the letter's question (an RSVP, a survey); answering again replaces the answer."""
    if not await queries.letter_visible_to(resident.id, letter_id):
        return _missing(request, resident)
    form = await request.form()
    letter = await queries.letter(letter_id)
    try:
        choice = int(str(form.get("choice", "")))
    except ValueError:
        choice = -1
    try:
        await actions.answer(resident.id, letter, choice, str(form.get("comment", "")))
    except actions.Refused as exc:
        context = await _letter_context(platform, resident, letter_id)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/letter.html", context, status_code=422)
    await actions.confirm_read(resident.id, letter_id)
    context = await _letter_context(platform, resident, letter_id)
    context["answered"] = True
    return render(request, "school/letter.html", context)


async def _may_read_letter(resident: Resident, letter: dict[str, Any]) -> bool:
    if await queries.letter_visible_to(resident.id, letter["id"]):
        return True
    for class_id in await queries.letter_classes(letter):
        if await _may_staff(resident, class_id):
            return True
    return False


@get("/attachments/{attachment_id:int}", name="school:attachment", guards=[requires_scopes()])
async def attachment(
    request: Request, resident: ResidentDep, attachment_id: FromPath[int]
) -> Response[bytes]:
    """A letter's file, only for the letter's guardians and staff (fetched with the token)."""
    found = await queries.attachment(attachment_id)
    letter = await queries.letter(found["letter"]) if found else None
    if found is None or letter is None or not await _may_read_letter(resident, letter):
        return Response(b"", status_code=404)
    data = await storage().get(found["storage_key"])
    if data is None:
        return Response(b"", status_code=404)
    return Response(data, media_type=found["media_type"], headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(found['name'])}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    })  # fmt: skip


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# --- conversations ----------------------------------------------------------------------------


async def _conversation_access(resident: Resident, conv: dict[str, Any] | None) -> str | None:
    """``parent`` or ``staff`` when the resident may read the conversation, else None."""
    if conv is None:
        return None
    if conv["subject"] == resident.id:
        return "parent" if conv["klass"] in await queries.guardian_classes(resident.id) else None
    if await _may_staff(resident, conv["klass"]):
        return "staff"
    return None


async def _shown_messages(
    platform: Platform, rows: list[dict[str, Any]], locale: str
) -> list[dict[str, Any]]:
    """Each message in the reader's language (kept once translated), with its original."""
    target = services.language(locale)
    shown = []
    missing = [r for r in rows if services.language(r["lang"]) != target]
    found: dict[int, str | None] = {}
    for r in missing:
        found[r["id"]] = await queries.cached_translation(r["id"], target)
    ask = [r for r in missing if found[r["id"]] is None]
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in ask:
        by_source.setdefault(services.language(r["lang"]), []).append(r)
    for source, group in by_source.items():
        answer = await services.translate(platform, [r["body"] for r in group], target, source)
        if answer is None:
            continue
        for r, text in zip(group, answer, strict=True):
            found[r["id"]] = text
            await queries.store_translation(r["id"], target, text)
    for r in rows:
        translated = found.get(r["id"])
        shown.append({**r, "text": translated or r["body"],
                      "original": r["body"] if translated else None,
                      "untranslated": r["id"] in found and translated is None})  # fmt: skip
    return shown


async def _conversation_context(
    platform: Platform, resident: Resident, conv: dict[str, Any], role: str
) -> dict[str, Any]:
    rows = await queries.messages(conv["id"])
    locale = "ja" if role == "staff" else resident.locale
    return {"conversation": conv, "role": role, "error": None, "nonce": _nonce(), "body": "",
            "sent": False, "messages": await _shown_messages(platform, rows, locale),
            "after": rows[-1]["id"] if rows else 0, **labels()}  # fmt: skip


@get("/classes/{class_id:int}/conversation", name="school:class_conversation",
     guards=[requires_scopes()])  # fmt: skip
async def class_conversation(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """A guardian's conversation with their child's class (made on first use)."""
    children = [c for c in await queries.children_of(resident.id) if c["class_id"] == class_id]
    if not children:
        return _missing(request, resident)
    label = "、".join(f"{c['first_name']}（{c['class_name']}）" for c in children)
    conv_id = await actions.conversation(resident.id, class_id, label)
    conv = await queries.conversation(conv_id)
    await actions.mark_read(conv_id, by_staff=False)
    return render(request, "school/conversation.html",
                  await _conversation_context(platform, resident, conv, "parent"))  # fmt: skip


@get("/conversations/{conversation_id:int}", name="school:conversation", guards=[requires_scopes()])
async def conversation_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, conversation_id: FromPath[int]
) -> Response[str]:
    conv = await queries.conversation(conversation_id)
    role = await _conversation_access(resident, conv)
    if role is None:
        return _missing(request, resident)
    if role == "staff":
        await services.audit(platform, resident, "school.conversation.view", conv["subject"],
                             {"class": conv["klass"], "conversation": conversation_id})  # fmt: skip
    await actions.mark_read(conversation_id, by_staff=role == "staff")
    return render(request, "school/conversation.html",
                  await _conversation_context(platform, resident, conv, role))  # fmt: skip


@post(
    "/conversations/{conversation_id:int}/messages", name="school:send", guards=[requires_scopes()]
)
async def send(
    request: Request, resident: ResidentDep, platform: PlatformDep, conversation_id: FromPath[int]
) -> Response[str]:
    """Send a message (stored before anyone is told); the form comes back empty."""
    conv = await queries.conversation(conversation_id)
    role = await _conversation_access(resident, conv)
    if role is None:
        return _missing(request, resident, 403 if conv else 404)
    form = await request.form()
    context = {
        "conversation": conv,
        "role": role,
        "error": None,
        "nonce": _nonce(),
        "body": "",
        "sent": False,
    }
    try:
        message_id, new = await actions.send_message(
            conversation_id, from_staff=role == "staff", author=resident.id,
            body=str(form.get("body", "")), lang="ja" if role == "staff" else resident.locale,
            nonce=str(form.get("nonce", "")),
        )  # fmt: skip
    except actions.Refused as exc:
        context["error"] = _refusal(request, resident, exc)
        context["body"] = str(form.get("body", ""))[:2000]
        context["nonce"] = str(form.get("nonce", "")) or _nonce()
        return render(request, "school/_compose.html", context, status_code=422, block=None)
    if new:
        await services.count(platform, "messages_sent")
        if role == "staff":
            guardian = next(iter(await _guardian_locales(conv["subject"])), "ja")
            await services.tell_guardian(platform, conv, message_id, guardian)
        else:
            await services.tell_staff(platform, conv["klass"], conversation_id, conv["label"])
    context["sent"] = True
    return render(request, "school/_compose.html", context, block=None)


async def _guardian_locales(subject: str) -> list[str]:
    from .tables import SchoolGuardian

    return [r["locale"] for r in await SchoolGuardian.select(SchoolGuardian.locale).where(
        SchoolGuardian.subject == subject)]  # fmt: skip


@get("/conversations/{conversation_id:int}/wait", name="school:wait", guards=[requires_scopes()])
async def wait(
    request: Request, resident: ResidentDep, platform: PlatformDep, conversation_id: FromPath[int],
    after: FromQuery[int] = 0, seconds: FromQuery[float] = WAIT_SECONDS,
) -> Response[str]:  # fmt: skip
    """New messages after ``after``: answers at once when there are some, else waits until one
    is published here (or found in the database, written by another worker), at most
    ``seconds``. The answer ends with the next waiter, so an open page keeps listening."""
    conv = await queries.conversation(conversation_id)
    role = await _conversation_access(resident, conv)
    if role is None:
        return Response("", status_code=404)
    rows = await deliver(conversation_id, after, min(max(seconds, 0.0), WAIT_SECONDS))
    if rows:
        await actions.mark_read(conversation_id, by_staff=role == "staff")
    locale = "ja" if role == "staff" else resident.locale
    context = {"conversation": conv, "messages": await _shown_messages(platform, rows, locale),
               "after": rows[-1]["id"] if rows else after, "role": role,
               **labels()}  # fmt: skip
    return render(request, "school/_messages.html", context, block=None)


# --- staff ------------------------------------------------------------------------------------


async def _staff_home_context(resident: Resident) -> dict[str, Any]:
    classes = await queries.staff_classes(resident.id, _is_admin(resident))
    for c in classes:
        c["waiting"] = sum(1 for x in await queries.inbox(c["id"]) if x["staff_unread"])
    return {"classes": classes, "error": None, "joined": None, "created": None,
            "is_admin": _is_admin(resident)}  # fmt: skip


@get("/staff", name="school:staff", guards=[requires_scopes()])
async def staff_home(request: Request, resident: ResidentDep) -> Response[str]:
    """Staff: their classes, and joining a class with its staff code."""
    if not _is_staff(resident):
        return _missing(request, resident, 403)
    return render(request, "school/staff.html", await _staff_home_context(resident))


@post("/staff/join", name="school:join", guards=[requires_scopes()])
async def staff_join(request: Request, resident: ResidentDep) -> Response[str]:
    if not resident.has_role("school_staff") and not _is_admin(resident):
        return _missing(request, resident, 403)
    form = await request.form()
    try:
        class_id = await actions.join_class(resident.id, str(form.get("code", "")))
    except actions.Refused as exc:
        context = await _staff_home_context(resident)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/staff.html", context, status_code=422)
    context = await _staff_home_context(resident)
    context["joined"] = class_id
    return render(request, "school/staff.html", context)


@post("/staff/classes", name="school:add_class", guards=[requires_scopes()])
async def add_class(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """An administrator makes a class or nursery group and is shown its staff code once."""
    if not _is_admin(resident):
        return _missing(request, resident, 403)
    form = await request.form()
    try:
        grade = int(str(form.get("grade", "0")) or 0)
    except ValueError:
        grade = -1
    school, name = str(form.get("school", "")).strip(), str(form.get("name", "")).strip()
    try:
        kind = str(form.get("kind", "school"))
        if not school or not name or len(school) > 80 or len(name) > 40 or not 0 <= grade <= 9:
            raise actions.Refused("bad_class")
        if kind not in ("school", "nursery"):
            raise actions.Refused("bad_class")
        class_id, code = await actions.create_class(
            school, name, grade=grade, kind=kind,
            deadline=str(form.get("deadline", "") or "08:30"),
            office_hours=str(form.get("office_hours", "")),
        )  # fmt: skip
    except actions.Refused as exc:
        context = await _staff_home_context(resident)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/staff.html", context, status_code=422)
    await services.audit(platform, resident, "school.class.create", f"class:{class_id}")
    context = await _staff_home_context(resident)
    context["created"] = {"name": f"{school} {name}", "code": code}
    return render(request, "school/staff.html", context)


async def _class_context(request: Request[Any, Any, Any], resident: Resident, class_id: int,
                         platform: Platform) -> dict[str, Any]:  # fmt: skip
    klass = await queries.klass(class_id)
    assert klass is not None
    day = actions.today()
    letters = []
    for letter in await queries.class_letters(klass):
        audience = await queries.letter_audience(letter)
        letters.append({**letter, "readers": sum(1 for p in audience if p["read"]),
                        "audience": len(audience)})  # fmt: skip
    return {"klass": klass, "board_day": day, "board": await queries.board(class_id, day),
            "upcoming": await queries.upcoming(class_id, day),
            "inbox": await queries.inbox(class_id), "letters": letters, "error": None,
            "message": None, "code": None, "draft": None, "nonce": _nonce(), "kinds": actions.KINDS,
            "reasons": await _reason_choices(klass["school"]), "symptoms": actions.SYMPTOMS,
            "max_mb": MAX_BYTES // (1024 * 1024), **await _labels(platform, resident)}  # fmt: skip


@get("/staff/classes/{class_id:int}", name="school:class", guards=[requires_scopes()])
async def class_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """Today's board (refreshing itself), the gate, enrolment, the inbox and letters."""
    if not _is_staff(resident):
        return _missing(request, resident, 403)
    if not await _may_staff(resident, class_id):
        return _missing(request, resident)
    await services.audit(platform, resident, "school.board.view", f"class:{class_id}")
    return render(request, "school/class.html",
                  await _class_context(request, resident, class_id, platform))  # fmt: skip


@get("/staff/classes/{class_id:int}/board", name="school:board", guards=[requires_scopes()])
async def board(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """The board alone, fetched every few seconds by the open class page."""
    if not await _may_staff(resident, class_id):
        return Response("", status_code=404)
    day = actions.today()
    context = {"klass": await queries.klass(class_id), "board_day": day,
               "board": await queries.board(class_id, day),
               "upcoming": await queries.upcoming(class_id, day),
               "inbox": await queries.inbox(class_id),
               **await _labels(platform, resident)}  # fmt: skip
    return render(request, "school/_board.html", context, block=None)


async def _class_action(
    request: Request[Any, Any, Any], resident: Resident, platform: Platform, class_id: int,
    **extra: Any,
) -> Response[str]:  # fmt: skip
    context = await _class_context(request, resident, class_id, platform)
    context.update(extra)
    return render(request, "school/class.html", context,
                  status_code=422 if extra.get("error") else 200)  # fmt: skip


@post("/staff/classes/{class_id:int}/children", name="school:add_child", guards=[requires_scopes()])
async def add_child(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """Enrol a child (first name and kana only) and show the code for its guardians once."""
    if not await _may_staff(resident, class_id):
        return _missing(request, resident, 403)
    form = await request.form()
    try:
        child_id, code = await actions.add_child(
            class_id, str(form.get("first_name", "")), str(form.get("kana", ""))
        )
    except actions.Refused as exc:
        return await _class_action(request, resident, platform, class_id,
                                   error=_refusal(request, resident, exc))  # fmt: skip
    await services.audit(platform, resident, "school.child.create", f"child:{child_id}")
    row = await queries.child(child_id)
    return await _class_action(request, resident, platform, class_id,
                               code={"child": row, "code": code})  # fmt: skip


@post("/staff/classes/{class_id:int}/children/{child_id:int}/code", name="school:reissue",
      guards=[requires_scopes()])  # fmt: skip
async def reissue(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int],
    child_id: FromPath[int],
) -> Response[str]:  # fmt: skip
    row = await queries.child(child_id)
    if row is None or row["klass"] != class_id or not await _may_staff(resident, class_id):
        return _missing(request, resident)
    code = await actions.reissue_code(child_id)
    await services.audit(platform, resident, "school.child.code", f"child:{child_id}")
    return await _class_action(request, resident, platform, class_id,
                               code={"child": row, "code": code})  # fmt: skip


@post("/staff/classes/{class_id:int}/phoned", name="school:phoned", guards=[requires_scopes()])
async def phoned(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """An absence told by phone or at the gate, recorded by staff (counted apart)."""
    if not await _may_staff(resident, class_id):
        return _missing(request, resident, 403)
    form = await request.form()
    try:
        child_id = int(str(form.get("child", "")))
    except ValueError:
        child_id = 0
    row = await queries.child(child_id)
    if row is None or row["klass"] != class_id:
        return _missing(request, resident)
    try:
        _, new = await actions.submit_notice(
            resident.id, child_id, day=actions.today(), kind="absent",
            reason=str(form.get("reason", "other")), via="phone",
        )  # fmt: skip
    except actions.Refused as exc:
        return await _class_action(request, resident, platform, class_id,
                                   error=_refusal(request, resident, exc))  # fmt: skip
    await services.audit(platform, resident, "school.notice.record", f"child:{child_id}")
    if new:
        await services.count(platform, "absences_phone")
    t = _t(request, resident)
    text = t("%(name)sさんの欠席を記録しました。") % {"name": row["first_name"]}
    return await _class_action(request, resident, platform, class_id, message=text)


@post("/staff/classes/{class_id:int}/gate", name="school:gate", guards=[requires_scopes()])
async def gate(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """A QR scanned (or its code typed) at the gate: check-in or check-out."""
    if not await _may_staff(resident, class_id):
        return _missing(request, resident, 403)
    form = await request.form()
    t = _t(request, resident)
    found = await actions.child_by_qr(str(form.get("code", "")))
    if found is None or found["klass"] != class_id:
        return await _class_action(request, resident, platform, class_id,
                                   error=t(REFUSALS["unknown_qr"]))  # fmt: skip
    direction = str(form.get("direction", ""))
    try:
        await actions.check_in_out(found["id"], direction, str(form.get("collected_by", "")))
    except actions.Refused as exc:
        return await _class_action(request, resident, platform, class_id,
                                   error=_refusal(request, resident, exc))  # fmt: skip
    await services.audit(platform, resident, f"school.gate.{direction}", f"child:{found['id']}")
    await services.tell_guardians_gate(platform, found, direction)
    text = (t("%(name)sさんが登園しました。") if direction == "in"
            else t("%(name)sさんが降園しました。")) % {"name": found["first_name"]}  # fmt: skip
    return await _class_action(request, resident, platform, class_id, message=text)


def _send_at(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        local = dt.datetime.fromisoformat(value)
    except ValueError:
        raise actions.Refused("past_send_at") from None
    return local.replace(tzinfo=actions.JST) if local.tzinfo is None else local


@post("/staff/classes/{class_id:int}/letters", name="school:send_letter",
      guards=[requires_scopes()], request_max_body_size=10 * 1024 * 1024)  # fmt: skip
async def send_letter(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """A letter with files to the class, its grade or the school, now or at a set time."""
    if not await _may_staff(resident, class_id):
        return _missing(request, resident, 403)
    form = await request.form()
    uploads = (
        [f for f in form.getall("files") if isinstance(f, UploadFile)] if "files" in form else []
    )
    files = [(u.filename or "file", await u.read()) for u in uploads]
    t = _t(request, resident)
    try:
        school = (await queries.klass(class_id))["school"]
        letter_id = await actions.create_letter(
            resident.id, str(form.get("nonce", "")), school=school,
            audience=str(form.get("audience", "class")), class_id=class_id,
            title=str(form.get("title", "")), body=str(form.get("body", "")),
            send_at=_send_at(str(form.get("send_at", "") or "")), files=files,
            question=str(form.get("question", "")),
            choices=str(form.get("choices", "")).splitlines(), draft=bool(form.get("draft")),
        )  # fmt: skip
    except actions.Refused as exc:
        draft = {k: str(form.get(k, "")) for k in ("title", "body", "question", "choices")}
        return await _class_action(request, resident, platform, class_id,
                                   error=_refusal(request, resident, exc), draft=draft)  # fmt: skip
    letter = await queries.letter(letter_id)
    if letter["draft"]:  # translated now, for staff to check before guardians read it
        await services.translate_letter(platform, letter)
        context = await _staff_letter_context(resident, letter)
        context["message"] = t("下書きにしました。翻訳を確かめてから送ってください。")
        return render(request, "school/staff_letter.html", context)
    await services.send_due_letters(platform)
    text = t("お便りを登録しました。")
    return await _class_action(request, resident, platform, class_id, message=text)


@post("/staff/classes/{class_id:int}/settings", name="school:settings", guards=[requires_scopes()])
async def settings(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int]
) -> Response[str]:
    """The class's deadline for same-day notices and the office hours parents are told."""
    if not await _may_staff(resident, class_id):
        return _missing(request, resident, 403)
    form = await request.form()
    try:
        await actions.class_settings(class_id, str(form.get("deadline", "")),
                                     str(form.get("office_hours", "")))  # fmt: skip
    except actions.Refused as exc:
        return await _class_action(request, resident, platform, class_id,
                                   error=_refusal(request, resident, exc))  # fmt: skip
    t = _t(request, resident)
    text = t("設定を保存しました。")
    return await _class_action(request, resident, platform, class_id, message=text)


async def _contact_context(
    resident: Resident, child: dict[str, Any], day: dt.date, platform: Platform
) -> dict[str, Any]:
    return {"child": child, "contact_day": day, "contact": await queries.contact(child["id"], day),
            "notice": next(iter(await queries.notices_for(child["id"], day)), None),
            "message": None, "error": None, **await _labels(platform, resident)}  # fmt: skip


async def _staff_child(resident: Resident, child_id: int) -> dict[str, Any] | None:
    row = await queries.child(child_id)
    if row is None or not await _may_staff(resident, row["klass"]):
        return None
    return row


def _day_param(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else actions.today()
    except ValueError:
        return actions.today()


@get("/staff/children/{child_id:int}/contact", name="school:contact", guards=[requires_scopes()])
async def staff_contact(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int],
    day: FromQuery[str] = "",
) -> Response[str]:  # fmt: skip
    """The child's contact book for one day, as the class's staff read and write it."""
    row = await _staff_child(resident, child_id)
    if row is None:
        return _missing(request, resident)
    when = _day_param(day)
    await services.audit(platform, resident, "school.contact.view", f"child:{child_id}",
                         {"day": when.isoformat()})  # fmt: skip
    context = await _contact_context(resident, row, when, platform)
    return render(request, "school/contact.html", context)


@post("/staff/children/{child_id:int}/contact", name="school:school_note",
      guards=[requires_scopes()])  # fmt: skip
async def school_note(
    request: Request, resident: ResidentDep, platform: PlatformDep, child_id: FromPath[int]
) -> Response[str]:
    row = await _staff_child(resident, child_id)
    if row is None:
        return _missing(request, resident)
    form = await request.form()
    when = _day_param(str(form.get("day", "")))
    try:
        await actions.write_contact(child_id, when, str(form.get("note", "")), from_school=True)
    except actions.Refused as exc:
        context = await _contact_context(resident, row, when, platform)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/contact.html", context, status_code=422)
    await services.audit(platform, resident, "school.contact.write", f"child:{child_id}",
                         {"day": when.isoformat()})  # fmt: skip
    await services.tell_guardians_contact(platform, row, when)
    context = await _contact_context(resident, row, when, platform)
    t = _t(request, resident)
    context["message"] = t("連絡帳に書きました。")
    return render(request, "school/contact.html", context)


async def _staff_letter_context(resident: Resident, letter: dict[str, Any]) -> dict[str, Any]:
    audience = await queries.letter_audience(letter)
    answers = await queries.answers(letter["id"])
    tally = [0] * len(letter["choices"])
    for person in audience:
        found = answers.get(person["subject"])
        person["answer"] = found
        if found and found["choice"] < len(tally):
            tally[found["choice"]] += 1
    return {"letter": letter, "audience": audience, "tally": tally,
            "texts": await queries.letter_texts(letter["id"]),
            "attachments": await queries.attachments(letter["id"]), "message": None,
            **labels()}  # fmt: skip


async def _staff_letter(resident: Resident, letter_id: int) -> dict[str, Any] | None:
    letter = await queries.letter(letter_id)
    if letter is None:
        return None
    for class_id in await queries.letter_classes(letter):
        if await _may_staff(resident, class_id):
            return letter
    return None


@get("/staff/letters/{letter_id:int}", name="school:staff_letter", guards=[requires_scopes()])
async def staff_letter(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    """Who has read a letter, its translations (staff correct them), and a nudge."""
    letter = await _staff_letter(resident, letter_id)
    if letter is None:
        return _missing(request, resident)
    await services.audit(platform, resident, "school.letter.receipts", f"letter:{letter_id}")
    return render(
        request, "school/staff_letter.html", await _staff_letter_context(resident, letter)
    )


@post("/staff/letters/{letter_id:int}/release", name="school:release", guards=[requires_scopes()])
async def release(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    """Send a draft letter whose translations staff have checked."""
    letter = await _staff_letter(resident, letter_id)
    if letter is None:
        return _missing(request, resident)
    if letter["draft"]:
        await actions.release_letter(letter_id)
        await services.audit(platform, resident, "school.letter.send", f"letter:{letter_id}")
        await services.send_due_letters(platform)
    context = await _staff_letter_context(resident, await queries.letter(letter_id))
    t = _t(request, resident)
    context["message"] = t("お便りを送りました。")
    return render(request, "school/staff_letter.html", context)


@post("/staff/letters/{letter_id:int}/nudge", name="school:nudge", guards=[requires_scopes()])
async def nudge(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    letter = await _staff_letter(resident, letter_id)
    if letter is None:
        return _missing(request, resident)
    sent = await services.nudge_unread(platform, letter)
    context = await _staff_letter_context(resident, letter)
    t = _t(request, resident)
    context["message"] = t("%(n)s人にお知らせしました。") % {"n": sent}
    return render(request, "school/staff_letter.html", context)


async def _keep_correction(platform: Platform, resident: Resident, letter: dict[str, Any],
                           before: dict[str, Any] | None, lang: str, title: str,
                           body: str) -> None:  # fmt: skip
    """What staff wrote goes to the city's translation memory, so the same text is translated
    their way from then on (here and in every app); the machine's untouched words do not."""
    machine = before if before and before["source"] == "machine" else {}
    for field, text in (("title", title), ("body", body)):
        if text == (machine.get(field) or "").strip():
            continue
        try:
            await platform.remember_translation(resident, letter[field], lang, text)
        except PlatformError as exc:  # the letter is saved all the same
            log.info("translation of letter %s not remembered: %s", letter["id"], exc)


@post("/staff/letters/{letter_id:int}/texts", name="school:letter_text", guards=[requires_scopes()])
async def letter_text(
    request: Request, resident: ResidentDep, platform: PlatformDep, letter_id: FromPath[int]
) -> Response[str]:
    """Staff write or correct the letter in one language (their version wins over the machine)."""
    letter = await _staff_letter(resident, letter_id)
    if letter is None:
        return _missing(request, resident)
    form = await request.form()
    lang = services.language(str(form.get("lang", "")).strip())
    title, body = str(form.get("title", "")).strip(), str(form.get("body", "")).strip()
    context = await _staff_letter_context(resident, letter)
    t = _t(request, resident)
    if not lang or len(lang) > 16 or services.is_japanese(lang) or not title or not body:
        context["message"] = t("言語、題名、本文を入れてください。")
        return render(request, "school/staff_letter.html", context, status_code=422)
    before = await queries.letter_text(letter_id, lang)
    await actions.set_letter_text(letter_id, lang, title, body, "staff")
    await services.audit(platform, resident, "school.letter.translate", f"letter:{letter_id}",
                         {"lang": lang})  # fmt: skip
    await _keep_correction(platform, resident, letter, before, lang, title, body)
    context = await _staff_letter_context(resident, letter)
    context["message"] = t("翻訳を保存しました。")
    return render(request, "school/staff_letter.html", context)


@get("/staff/classes/{class_id:int}/export", name="school:export", guards=[requires_scopes()])
async def export(
    request: Request, resident: ResidentDep, platform: PlatformDep, class_id: FromPath[int],
    month: FromQuery[str] = "",
) -> Response[bytes]:  # fmt: skip
    """The month's attendance as CSV (UTF-8 with BOM, for spreadsheet software)."""
    if not await _may_staff(resident, class_id):
        return Response(b"", status_code=404)
    try:
        first = dt.date.fromisoformat(f"{month}-01") if month else actions.today().replace(day=1)
    except ValueError:
        return Response(_t(request, resident)(REFUSALS["bad_month"]).encode(), status_code=422)
    await services.audit(platform, resident, "school.attendance.export", f"class:{class_id}",
                         {"month": f"{first:%Y-%m}"})  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "first_name", "kana", "notice", "reason", "time", "via",
                     "checked_in", "checked_out", "collected_by"])  # fmt: skip
    for row in await queries.month_attendance(class_id, first):
        n, a = row.get("notice") or {}, row.get("attendance") or {}
        local = lambda t: t.astimezone(actions.JST).strftime("%H:%M") if t else ""  # noqa: E731
        writer.writerow([row["day"].isoformat(), row["child"]["first_name"], row["child"]["kana"],
                         n.get("kind", ""), n.get("reason", ""), n.get("at_time", ""),
                         n.get("via", ""), local(a.get("checked_in")), local(a.get("checked_out")),
                         a.get("collected_by", "")])  # fmt: skip
    name = f"attendance-{class_id}-{first:%Y-%m}.csv"
    return Response(("\ufeff" + out.getvalue()).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})  # fmt: skip




# --- administrators: absence reasons and the figures -------------------------------------------


async def _reasons_context(request: Request[Any, Any, Any], resident: Resident,
                           platform: Platform) -> dict[str, Any]:  # fmt: skip
    lists = [{"school": s, "reasons": await reasons.for_school(s)} for s in await queries.schools()]
    return {"schools": lists, "error": None, "message": None, "max_label": reasons.MAX_LABEL,
            **await _labels(platform, resident)}  # fmt: skip


@get("/staff/reasons", name="school:reasons", guards=[requires_scopes()])
async def reasons_page(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Each school's absence reasons: add one of the school's own, retire one, bring it back."""
    if not _is_admin(resident):
        return _missing(request, resident, 403)
    return render(request, "school/reasons.html",
                  await _reasons_context(request, resident, platform))  # fmt: skip


@post("/staff/reasons", name="school:reasons_change", guards=[requires_scopes()])
async def reasons_change(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    if not _is_admin(resident):
        return _missing(request, resident, 403)
    form = await request.form()
    school, action = str(form.get("school", "")), str(form.get("action", ""))
    t = _t(request, resident)
    try:
        if school not in await queries.schools():
            raise actions.Refused("not_found")
        if action == "add":
            await reasons.add(school, str(form.get("label", "")),
                              symptoms=form.get("symptoms") == "1")  # fmt: skip
            message = t("理由を加えました。保護者の画面にすぐ出ます。")
        elif action in ("retire", "restore"):
            await reasons.set_active(school, str(form.get("code", "")), action == "restore")
            message = t("理由の一覧を変えました。これまでの連絡の理由はそのまま残ります。")
        else:
            raise actions.Refused("not_found")
    except actions.Refused as exc:
        context = await _reasons_context(request, resident, platform)
        context["error"] = _refusal(request, resident, exc)
        return render(request, "school/reasons.html", context, status_code=422)
    context = await _reasons_context(request, resident, platform)
    context["message"] = message
    return render(request, "school/reasons.html", context)


def _months_back(today: dt.date, count: int) -> list[str]:
    year, month = today.year, today.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


@get("/staff/figures", name="school:figures", guards=[requires_scopes()])
async def figures(request: Request, resident: ResidentDep) -> Response[str]:
    """The seeds' figures per school: guardians registered in the app, and the share of absences
    reported through the app rather than by phone, month by month."""
    if not _is_admin(resident):
        return _missing(request, resident, 403)
    months = _months_back(actions.today(), 6)
    absences = await queries.absence_figures(dt.date.fromisoformat(months[0] + "-01"))
    # notices may be given up to 60 days ahead: a coming month with some is shown too
    months += sorted({e["month"] for e in absences} - set(months))
    registration = await queries.guardian_registration()
    schools = []
    for school in await queries.schools():
        by_month = {e["month"]: e for e in absences if e["school"] == school}
        rows = []
        for month in months:
            entry = by_month.get(month, {"total": 0, "app": 0})
            share = round(100 * entry["app"] / entry["total"], 1) if entry["total"] else None
            rows.append({"month": month, "total": entry["total"], "app": entry["app"],
                         "share": share})  # fmt: skip
        reg = registration.get(school, {"children": 0, "registered": 0})
        schools.append({
            "school": school, "rows": rows, "registered": reg["registered"],
            "children": reg["children"],
            "registered_share": round(100 * reg["registered"] / reg["children"], 1)
            if reg["children"] else None,
            "chart": bar_chart([(r["month"][5:], r["share"]) for r in rows], "%"),
        })  # fmt: skip
    return render(request, "school/figures.html", {"schools": schools, **labels()})


ROUTES = [index, link, child_page, notice, withdraw, letter_page, confirm_read, answer,
          home_note, unlink, settings, release, add_class, staff_contact, school_note, attachment,
          class_conversation, conversation_page, send, wait, staff_home, staff_join, class_page,
          board, add_child, reissue, phoned, gate, send_letter, staff_letter, nudge, letter_text,
          export, reasons_page, reasons_change, figures]  # fmt: skip

__all__ = ["ROUTES", "deliver", "render_to_string"]
