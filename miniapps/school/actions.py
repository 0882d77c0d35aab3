"""What people do in the school app, with every check. Each refusal raises :class:`Refused`
and changes nothing; every write that could be sent twice has a unique key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from typing import Any

from . import reasons
from .live import HUB
from .storage import MAX_FILES, AttachmentRefused, check, storage
from .tables import (
    SchoolAnswer,
    SchoolAttachment,
    SchoolAttempt,
    SchoolAttendance,
    SchoolChild,
    SchoolClass,
    SchoolContact,
    SchoolConversation,
    SchoolGuardian,
    SchoolGuardianSlot,
    SchoolLetter,
    SchoolLetterText,
    SchoolMessage,
    SchoolNotice,
    SchoolReceipt,
    SchoolStaff,
)

JST = dt.timezone(dt.timedelta(hours=9), "JST")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_DAYS = 30
MAX_GUARDIANS = 2
MAX_FAILURES = 5
ATTEMPT_WINDOW = dt.timedelta(hours=24)
NOTICE_DAYS_AHEAD = 60
KINDS = ("absent", "late", "early")
REASONS = ("illness", "injury", "family", "appointment", "other")
SYMPTOMS = ("fever", "cough", "runny_nose", "sore_throat", "stomach", "rash", "headache", "other")
QR_PREFIX = "MACHI-SCHOOL:"


class Refused(Exception):
    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(now: dt.datetime | None = None) -> dt.date:
    return (now or now_utc()).astimezone(JST).date()


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII, upper case, without spaces or hyphens."""
    return unicodedata.normalize("NFKC", text).upper().replace(" ", "").replace("-", "").strip()


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def code_hash(code: str) -> str:
    return hashlib.sha256(f"school:{normalise(code)}".encode()).hexdigest()


# --- classes, staff and enrolment -------------------------------------------------------------


async def create_class(
    school: str, name: str, *, grade: int = 0, kind: str = "school", deadline: str = "08:30",
    office_hours: str = "", staff_code: str | None = None,
) -> tuple[int, str]:  # fmt: skip
    """A class and the code its staff join it with."""
    if kind not in ("school", "nursery"):
        raise Refused("bad_kind")
    _parse_time(deadline)
    code = staff_code or new_code()
    row = await SchoolClass.insert(SchoolClass(
        school=school.strip()[:80], name=name.strip()[:40], grade=grade, kind=kind,
        staff_code_hash=code_hash(code), deadline=deadline, office_hours=office_hours[:120],
    )).returning(SchoolClass.id)  # fmt: skip
    return row[0]["id"], code


async def _guard_attempts(subject: str, now: dt.datetime) -> None:
    recent = await SchoolAttempt.count().where(
        (SchoolAttempt.subject == subject) & (SchoolAttempt.at > now - ATTEMPT_WINDOW)
    )
    if recent >= MAX_FAILURES:
        raise Refused("locked")


async def _failed(subject: str, now: dt.datetime) -> None:
    await SchoolAttempt.insert(SchoolAttempt(subject=subject, at=now))


async def join_class(subject: str, staff_code: str, now: dt.datetime | None = None) -> int:
    """A staff member joins the class whose staff code this is."""
    now = now or now_utc()
    if not normalise(staff_code) or len(staff_code) > 20:
        raise Refused("blank")
    await _guard_attempts(subject, now)
    found = (
        await SchoolClass.select(SchoolClass.id)
        .where(SchoolClass.staff_code_hash == code_hash(staff_code))
        .first()
    )
    if found is None:
        await _failed(subject, now)
        raise Refused("no_match")
    key = f"{subject}|{found['id']}"
    await SchoolStaff.insert(
        SchoolStaff(key=key, subject=subject, klass=found["id"], created_at=now)
    ).on_conflict(action="DO NOTHING")
    return found["id"]


async def new_staff_code(class_id: int, *, remove_staff: bool = False) -> str:
    """A new staff code for the class (the old one stops working); with ``remove_staff`` every
    staff member leaves the class and joins again with the new code."""
    code = new_code()
    async with SchoolClass._meta.db.transaction():
        await SchoolClass.update({SchoolClass.staff_code_hash: code_hash(code)}).where(
            SchoolClass.id == class_id
        )
        if remove_staff:
            await SchoolStaff.delete().where(SchoolStaff.klass == class_id)
    return code


async def add_child(
    class_id: int, first_name: str, kana: str = "", now: dt.datetime | None = None
) -> tuple[int, str]:
    """Enrol a child (first name and kana only); returns its id and the code for its guardians."""
    now = now or now_utc()
    first_name, kana = first_name.strip(), kana.strip()
    if not first_name or len(first_name) > 40 or len(kana) > 40:
        raise Refused("bad_name")
    code = new_code()
    row = await SchoolChild.insert(SchoolChild(
        klass=class_id, first_name=first_name, kana=kana, code_hash=code_hash(code),
        code_expires=now + dt.timedelta(days=CODE_DAYS), qr_token=secrets.token_urlsafe(18),
        created_at=now,
    )).returning(SchoolChild.id)  # fmt: skip
    return row[0]["id"], code


async def reissue_code(child_id: int, now: dt.datetime | None = None) -> str:
    now = now or now_utc()
    code = new_code()
    await SchoolChild.update({
        SchoolChild.code_hash: code_hash(code),
        SchoolChild.code_expires: now + dt.timedelta(days=CODE_DAYS),
    }).where(SchoolChild.id == child_id)  # fmt: skip
    return code


async def link_child(
    subject: str, code: str, *, locale: str = "ja", notify: bool = False,
    now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Link a guardian to the child whose enrolment code this is.

    Refusals: ``blank``; ``locked`` after five wrong codes in 24 hours; ``no_match``;
    ``expired``; ``full`` when the child has two guardians already."""
    now = now or now_utc()
    if not normalise(code) or len(code) > 20:
        raise Refused("blank")
    await _guard_attempts(subject, now)
    wanted = code_hash(code)
    child = await SchoolChild.select().where(SchoolChild.code_hash == wanted).first()
    if child is None or not hmac.compare_digest(child["code_hash"], wanted):
        await _failed(subject, now)
        raise Refused("no_match")
    key = f"{subject}|{child['id']}"
    if await SchoolGuardian.exists().where(SchoolGuardian.key == key):
        return child["id"]
    if child["code_expires"] is None or child["code_expires"] <= now:
        raise Refused("expired")
    for slot in range(1, MAX_GUARDIANS + 1):  # a unique place each: two at once cannot make three
        async with SchoolGuardian._meta.db.transaction():
            taken = (
                await SchoolGuardianSlot.insert(
                    SchoolGuardianSlot(key=f"{child['id']}|{slot}", guardian=key)
                )
                .on_conflict(action="DO NOTHING")
                .returning(SchoolGuardianSlot.id)
            )
            if taken:
                await SchoolGuardian.insert(SchoolGuardian(
                    key=key, subject=subject, child=child["id"], locale=locale[:16],
                    notify=notify, created_at=now,
                ))  # fmt: skip
                return child["id"]
        if await SchoolGuardian.exists().where(SchoolGuardian.key == key):
            return child["id"]
    raise Refused("full")


async def unlink_child(subject: str, child_id: int) -> None:
    key = f"{subject}|{child_id}"
    async with SchoolGuardian._meta.db.transaction():
        await SchoolGuardian.delete().where(SchoolGuardian.key == key)
        await SchoolGuardianSlot.delete().where(SchoolGuardianSlot.guardian == key)


async def remember_locale(subject: str, locale: str, notify: bool) -> None:
    """Letters and replies are translated into the language the guardian last used."""
    await SchoolGuardian.update(
        {SchoolGuardian.locale: locale[:16], SchoolGuardian.notify: notify}
    ).where(SchoolGuardian.subject == subject)


# --- notices and attendance -------------------------------------------------------------------


def _parse_time(text: str) -> dt.time:
    try:
        value = dt.time.fromisoformat(text)
    except ValueError:
        raise Refused("bad_time") from None
    if len(text) != 5:
        raise Refused("bad_time")
    return value


async def submit_notice(
    subject: str, child_id: int, *, day: dt.date, kind: str, reason: str,
    symptoms: list[str] | None = None, at_time: str = "", note: str = "", via: str = "app",
    now: dt.datetime | None = None,
) -> tuple[int, bool]:  # fmt: skip
    """Report an absence, lateness or early pick-up; a second notice for the same day replaces
    the first. Returns the notice id and whether it is new.

    Refusals: ``bad_kind``, ``bad_reason``, ``bad_symptom``, ``bad_time``, ``note_too_long``,
    ``past_day``, ``too_far``, ``after_deadline`` (same-day absence or lateness after the class's
    deadline: the class must be phoned)."""
    now = now or now_utc()
    if kind not in KINDS:
        raise Refused("bad_kind")
    child = (
        await SchoolChild.select(SchoolChild.klass.deadline, SchoolChild.klass.school)
        .where(SchoolChild.id == child_id)
        .first()
    )
    if child is None:
        raise Refused("not_found")
    asks_symptoms = await reasons.check(child["klass.school"], reason)  # or bad_reason
    symptoms = list(dict.fromkeys(symptoms or []))
    if any(s not in SYMPTOMS for s in symptoms):
        raise Refused("bad_symptom")
    if not asks_symptoms:
        symptoms = []  # nothing about health unless the child is ill
    if kind == "absent":
        at_time = ""
    elif not at_time:
        raise Refused("bad_time")
    else:
        _parse_time(at_time)
    note = note.strip()
    if len(note) > 200:
        raise Refused("note_too_long")
    local_now = now.astimezone(JST)
    if day < local_now.date():
        raise Refused("past_day")
    if day > local_now.date() + dt.timedelta(days=NOTICE_DAYS_AHEAD):
        raise Refused("too_far")
    deadline = _parse_time(child["klass.deadline"])
    if (via == "app" and kind in ("absent", "late") and day == local_now.date()
            and local_now.time() >= deadline):  # fmt: skip
        raise Refused("after_deadline", deadline=child["klass.deadline"])
    values = {"kind": kind, "reason": reason, "symptoms": symptoms, "at_time": at_time,
              "note": note, "via": via, "by_subject": subject, "created_at": now}  # fmt: skip
    key = f"{child_id}|{day.isoformat()}"
    row = (
        await SchoolNotice.insert(SchoolNotice(key=key, child=child_id, day=day, **values))
        .on_conflict(action="DO NOTHING")
        .returning(SchoolNotice.id)
    )
    if row:
        notice_id, new = row[0]["id"], True
    else:  # a notice for that day already: this one replaces it
        await SchoolNotice.update({getattr(SchoolNotice, k): v for k, v in values.items()}).where(
            SchoolNotice.key == key
        )
        existing = await SchoolNotice.select(SchoolNotice.id).where(SchoolNotice.key == key).first()
        notice_id, new = existing["id"], False
    klass = await SchoolChild.select(SchoolChild.klass).where(SchoolChild.id == child_id).first()
    await HUB.publish(f"class:{klass['klass']}")
    return notice_id, new


async def withdraw_notice(subject: str, child_id: int, day: dt.date) -> None:
    await SchoolNotice.delete().where(
        (SchoolNotice.key == f"{child_id}|{day.isoformat()}") & (SchoolNotice.via == "app")
    )


def qr_text(child: dict[str, Any]) -> str:
    return f"{QR_PREFIX}{child['qr_token']}"


async def child_by_qr(text: str) -> dict[str, Any] | None:
    text = text.strip()
    token = text[len(QR_PREFIX) :] if text.startswith(QR_PREFIX) else text
    if not token or len(token) > 40:
        return None
    return await SchoolChild.select().where(SchoolChild.qr_token == token).first()


async def check_in_out(
    child_id: int, direction: str, collected_by: str = "", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Record a check-in or check-out at the gate; a second scan the same way changes nothing."""
    now = now or now_utc()
    if direction not in ("in", "out"):
        raise Refused("bad_direction")
    collected_by = collected_by.strip()[:40]
    day = today(now)
    key = f"{child_id}|{day.isoformat()}"
    async with SchoolAttendance._meta.db.transaction():
        await SchoolAttendance.insert(
            SchoolAttendance(key=key, child=child_id, day=day)
        ).on_conflict(action="DO NOTHING")
        row = await SchoolAttendance.select().where(SchoolAttendance.key == key).first()
        if direction == "in" and row["checked_in"] is None:
            await SchoolAttendance.update({SchoolAttendance.checked_in: now}).where(
                SchoolAttendance.key == key
            )
        if direction == "out" and row["checked_out"] is None:
            await SchoolAttendance.update({
                SchoolAttendance.checked_out: now, SchoolAttendance.collected_by: collected_by,
            }).where(SchoolAttendance.key == key)  # fmt: skip
    klass = await SchoolChild.select(SchoolChild.klass).where(SchoolChild.id == child_id).first()
    await HUB.publish(f"class:{klass['klass']}")
    return await SchoolAttendance.select().where(SchoolAttendance.key == key).first()


# --- letters ----------------------------------------------------------------------------------


async def create_letter(
    author: str, nonce: str, *, school: str, audience: str, class_id: int | None, title: str,
    body: str, send_at: dt.datetime | None, files: list[tuple[str, bytes]], question: str = "",
    choices: list[str] | None = None, draft: bool = False, now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """A letter to ``audience`` (``class``, ``grade`` or ``school``, around ``class_id``), sent
    at ``send_at`` (now when None). The form's nonce makes a resend the same letter.

    A letter may ask one question (an RSVP, a short survey) with 2 to 6 ``choices``.

    Refusals: ``blank_letter``, ``too_long``, ``bad_audience``, ``past_send_at``,
    ``bad_choices`` and the
    attachment refusals ``too_large``, ``bad_type``, ``too_many`` (with the file's ``name``)."""
    now = now or now_utc()
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise Refused("blank_letter")
    if len(title) > 120 or len(body) > 10000:
        raise Refused("too_long")
    if not nonce or len(nonce) > 80:
        raise Refused("blank_letter")
    question = question.strip()
    choices = [c.strip() for c in (choices or []) if c.strip()]
    if (question and not 2 <= len(choices) <= 6) or len(question) > 200:
        raise Refused("bad_choices")
    if any(len(c) > 40 for c in choices) or len(set(choices)) != len(choices):
        raise Refused("bad_choices")
    if not question:
        choices = []
    if send_at is not None and send_at < now - dt.timedelta(minutes=5):
        raise Refused("past_send_at")
    klass = await SchoolClass.select().where(SchoolClass.id == class_id).first()
    if klass is None or audience not in ("class", "grade", "school"):
        raise Refused("bad_audience")
    files = [(n, d) for n, d in files if d]
    if len(files) > MAX_FILES:
        raise Refused("too_many", name="")
    checked = []
    for name, data in files:
        try:
            checked.append((name, data, check(name, data)))
        except AttachmentRefused as exc:
            raise Refused(exc.reason, name=name) from None
    key = f"{author}|{nonce}"[:120]
    existing = await SchoolLetter.select(SchoolLetter.id).where(SchoolLetter.key == key).first()
    if existing:
        return existing["id"]
    stored = [(name, media_type, len(data), await storage().put(data))
              for name, data, media_type in checked]  # fmt: skip
    async with SchoolLetter._meta.db.transaction():
        row = await SchoolLetter.insert(SchoolLetter(
            key=key, school=klass["school"],
            grade=klass["grade"] if audience == "grade" else None,
            klass=klass["id"] if audience == "class" else None,
            title=title, body=body, author=author, send_at=send_at or now, created_at=now,
            question=question, choices=choices, draft=draft,
        )).on_conflict(action="DO NOTHING").returning(SchoolLetter.id)  # fmt: skip
        if not row:  # the same form sent twice at once: the first is the letter
            found = (
                await SchoolLetter.select(SchoolLetter.id).where(SchoolLetter.key == key).first()
            )
            return found["id"]
        letter_id = row[0]["id"]
        for name, media_type, size, storage_key in stored:
            await SchoolAttachment.insert(SchoolAttachment(
                letter=letter_id, name=_safe_name(name), media_type=media_type, size=size,
                storage_key=storage_key,
            ))  # fmt: skip
    return letter_id


async def release_letter(letter_id: int, now: dt.datetime | None = None) -> None:
    """A draft letter goes out: now, or at its set time if that is later."""
    now = now or now_utc()
    letter = (
        await SchoolLetter.select(SchoolLetter.send_at).where(SchoolLetter.id == letter_id).first()
    )
    await SchoolLetter.update({
        SchoolLetter.draft: False, SchoolLetter.send_at: max(letter["send_at"], now),
    }).where(SchoolLetter.id == letter_id)  # fmt: skip


def _safe_name(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '"<>')
    return name[-120:] or "file"


async def set_letter_text(
    letter_id: int, lang: str, title: str, body: str, source: str, extra: list[str] | None = None
) -> None:
    """The letter in ``lang`` (machine-translated, or by staff, whose version wins); ``extra``
    is its question and choices, translated."""
    key = f"{letter_id}|{lang}"
    values: dict[str, Any] = {"title": title.strip()[:300], "body": body.strip(), "source": source}
    if extra is not None:
        values["extra"] = [x[:300] for x in extra]
    async with SchoolLetterText._meta.db.transaction():
        existing = await SchoolLetterText.select().where(SchoolLetterText.key == key).first()
        if existing and existing["source"] == "staff" and source == "machine":
            return
        if existing:
            await SchoolLetterText.update(
                {getattr(SchoolLetterText, k): v for k, v in values.items()}
            ).where(SchoolLetterText.key == key)
        else:
            await SchoolLetterText.insert(
                SchoolLetterText(key=key, letter=letter_id, lang=lang, **values)
            )


async def confirm_read(subject: str, letter_id: int, now: dt.datetime | None = None) -> bool:
    """Record that the guardian read the letter; True the first time."""
    key = f"{letter_id}|{subject}"
    inserted = (
        await SchoolReceipt.insert(
            SchoolReceipt(key=key, letter=letter_id, subject=subject, read_at=now or now_utc())
        )
        .on_conflict(action="DO NOTHING")
        .returning(SchoolReceipt.id)
    )
    return bool(inserted)


async def answer(
    subject: str, letter: dict[str, Any], choice: int, comment: str = "",
    now: dt.datetime | None = None,
) -> None:  # fmt: skip
    """A guardian's answer to the letter's question; answering again replaces it."""
    choices = _json_list(letter["choices"])
    if not letter["question"] or not 0 <= choice < len(choices):
        raise Refused("bad_choice")
    comment = comment.strip()
    if len(comment) > 200:
        raise Refused("note_too_long")
    key = f"{letter['id']}|{subject}"
    values = {"choice": choice, "comment": comment, "at": now or now_utc()}
    inserted = (
        await SchoolAnswer.insert(
            SchoolAnswer(key=key, letter=letter["id"], subject=subject, **values)
        )
        .on_conflict(action="DO NOTHING")
        .returning(SchoolAnswer.id)
    )
    if not inserted:  # answering again replaces the answer
        await SchoolAnswer.update({getattr(SchoolAnswer, k): v for k, v in values.items()}).where(
            SchoolAnswer.key == key
        )


def _json_list(value: Any) -> list[Any]:
    import json

    return json.loads(value) if isinstance(value, str) else list(value or [])


# --- the contact book -------------------------------------------------------------------------


async def write_contact(
    child_id: int, day: dt.date, note: str, *, from_school: bool, now: dt.datetime | None = None
) -> None:
    """Write the day's note from home (a guardian) or from school (staff); replaces the last."""
    now = now or now_utc()
    note = note.strip()
    if not note:
        raise Refused("blank_note")
    if len(note) > (1000 if from_school else 500):
        raise Refused("contact_too_long")
    if not from_school and day != today(now):
        raise Refused("past_day")
    key = f"{child_id}|{day.isoformat()}"
    values = (
        {SchoolContact.school_note: note, SchoolContact.school_at: now}
        if from_school
        else {SchoolContact.home_note: note, SchoolContact.home_at: now}
    )
    await SchoolContact.insert(SchoolContact(key=key, child=child_id, day=day)).on_conflict(
        action="DO NOTHING"
    )
    await SchoolContact.update(values).where(SchoolContact.key == key)


async def class_settings(class_id: int, deadline: str, office_hours: str) -> None:
    """The class's same-day deadline and the office hours parents are told."""
    _parse_time(deadline)
    office_hours = office_hours.strip()
    if len(office_hours) > 120:
        raise Refused("too_long")
    await SchoolClass.update(
        {SchoolClass.deadline: deadline, SchoolClass.office_hours: office_hours}
    ).where(SchoolClass.id == class_id)


# --- conversations ----------------------------------------------------------------------------


async def conversation(subject: str, class_id: int, label: str) -> int:
    """The guardian's conversation with the class (made on first use)."""
    key = f"{class_id}|{subject}"
    found = (
        await SchoolConversation.select(SchoolConversation.id)
        .where(SchoolConversation.key == key)
        .first()
    )
    if found:
        return found["id"]
    await SchoolConversation.insert(
        SchoolConversation(key=key, klass=class_id, subject=subject, label=label[:120])
    ).on_conflict(action="DO NOTHING")
    found = (
        await SchoolConversation.select(SchoolConversation.id)
        .where(SchoolConversation.key == key)
        .first()
    )
    return found["id"]


async def send_message(
    conversation_id: int, *, from_staff: bool, author: str, body: str, lang: str, nonce: str,
    now: dt.datetime | None = None,
) -> tuple[int, bool]:  # fmt: skip
    """Store a message (once per form nonce), then wake whoever is waiting for it."""
    now = now or now_utc()
    body = body.strip()
    if not body:
        raise Refused("blank_message")
    if len(body) > 2000:
        raise Refused("message_too_long")
    if not nonce or len(nonce) > 80:
        raise Refused("blank_message")
    key = f"{conversation_id}|{nonce}"
    async with SchoolMessage._meta.db.transaction():
        row = await SchoolMessage.insert(SchoolMessage(
            key=key, conversation=conversation_id, from_staff=from_staff, author=author,
            body=body, lang=lang[:16], created_at=now,
        )).on_conflict(action="DO NOTHING").returning(SchoolMessage.id)  # fmt: skip
        if not row:  # the same form sent twice (a double tap): one message
            found = await SchoolMessage.select(SchoolMessage.id).where(SchoolMessage.key == key)
            return found[0]["id"], False
        await SchoolConversation.update({
            SchoolConversation.last_at: now,
            SchoolConversation.staff_unread: not from_staff,
            SchoolConversation.parent_unread: from_staff,
        }).where(SchoolConversation.id == conversation_id)  # fmt: skip
    await HUB.publish(f"conversation:{conversation_id}")
    return row[0]["id"], True


async def mark_read(conversation_id: int, by_staff: bool) -> None:
    column = SchoolConversation.staff_unread if by_staff else SchoolConversation.parent_unread
    await SchoolConversation.update({column: False}).where(SchoolConversation.id == conversation_id)
