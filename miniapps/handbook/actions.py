"""The handbook's verbs: each one transaction, refusals as :class:`Refused` with a key the routes
translate. Health data is read and written only for a guardian of the child (``_guardian``)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from machi_sdk import write_transaction

from . import growth, questionnaire, vaccines
from .tables import (
    HandbookChild,
    HandbookDose,
    HandbookExportLayout,
    HandbookGuardian,
    HandbookInterview,
    HandbookInvite,
    HandbookPregnancy,
    HandbookPregnancyCheckup,
    HandbookQuestionnaire,
    HandbookRecord,
    HandbookSlot,
)

JST = dt.timezone(dt.timedelta(hours=9))
INVITE_DAYS = 7
RECORD_KINDS = ("checkup", "measurement", "illness", "milestone")
CHECKUP_STAGES = ("1m", "3_4m", "1y6m", "3y")
_CODE = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Refused(Exception):
    """An action refused; ``reason`` is a short key the routes turn into a message."""

    def __init__(self, reason: str, **details: str) -> None:
        self.reason = reason
        self.details = details
        super().__init__(reason)


def today() -> dt.date:
    return dt.datetime.now(JST).date()


def is_unique_violation(exc: BaseException) -> bool:
    """SQLite's IntegrityError or asyncpg's UniqueViolationError on a UNIQUE column."""
    name = type(exc).__name__
    return name == "UniqueViolationError" or (
        name == "IntegrityError" and "unique" in str(exc).lower()
    )


def transaction() -> Any:
    """A write transaction; on SQLite ``BEGIN IMMEDIATE`` so racing writers queue, not fail."""
    return write_transaction(HandbookChild)


def _day(value: Any, reason: str = "bad_date") -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Refused(reason) from None


def _number(value: Any, low: float, high: float, reason: str) -> Decimal | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Refused(reason) from None
    if not number.is_finite() or not low <= number <= high:
        raise Refused(reason)
    return number


def _key(value: Any) -> str:
    key = str(value or "").strip()
    if not key:
        return secrets.token_urlsafe(16)
    if len(key) > 80 or not all(c.isalnum() or c in "-_" for c in key):
        raise Refused("bad_key")
    return key


# ---- children and guardians ---------------------------------------------------------------------


async def _guardian(subject: str, child_id: int) -> dict[str, Any]:
    """The child, if ``subject`` is one of its guardians; else Refused (no hint it exists)."""
    found = await HandbookGuardian.exists().where(HandbookGuardian.key == f"{child_id}|{subject}")
    child = await HandbookChild.objects().get(HandbookChild.id == child_id) if found else None
    if child is None:
        raise Refused("unknown_child")
    return child.to_dict()


async def child_for(subject: str, child_id: int) -> dict[str, Any]:
    return await _guardian(subject, child_id)


async def children(subject: str) -> list[dict[str, Any]]:
    ids = await HandbookGuardian.select(HandbookGuardian.child).where(
        HandbookGuardian.subject == subject
    )
    if not ids:
        return []
    return (
        await HandbookChild.select()
        .where(HandbookChild.id.is_in([r["child"] for r in ids]))
        .order_by(HandbookChild.birth_date)
    )


async def add_child(subject: str, form: dict[str, Any], locale: str = "ja") -> dict[str, Any]:
    name = str(form.get("name", "")).strip()
    if not name or len(name) > 60:
        raise Refused("bad_name")
    sex = str(form.get("sex", ""))
    if sex not in ("M", "F"):
        raise Refused("bad_sex")
    born = _day(form.get("birth_date"))
    if born > today() or born < today() - dt.timedelta(days=365 * 18):
        raise Refused("bad_birth_date")
    weight = _number(form.get("birth_weight_g"), 300, 6000, "bad_birth_weight")
    length = _number(form.get("birth_length_cm"), 25, 65, "bad_birth_length")
    weeks = _number(form.get("gestation_weeks"), 22, 44, "bad_gestation")
    async with transaction():
        child = HandbookChild(
            name=name,
            sex=sex,
            birth_date=born,
            created_by=subject,
            birth_weight_g=int(weight) if weight is not None else None,
            birth_length_cm=length,
            gestation_weeks=int(weeks) if weeks is not None else None,
        )
        await child.save()
        await HandbookGuardian.insert(
            HandbookGuardian(
                child=child.id, subject=subject, key=f"{child.id}|{subject}", locale=locale
            )
        )
    return child.to_dict()


async def invite(subject: str, child_id: int) -> str:
    """A one-time code (7 days) the guardian gives the second guardian."""
    await _guardian(subject, child_id)
    code = "".join(secrets.choice(_CODE) for _ in range(8))
    await HandbookInvite.insert(
        HandbookInvite(
            child=child_id,
            code=code,
            created_by=subject,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=INVITE_DAYS),
        )
    )
    return code


async def join(subject: str, code: str, locale: str = "ja") -> dict[str, Any]:
    """Become a guardian of the child the code was made for; a code works once."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    async with transaction():
        found = await HandbookInvite.objects().get(HandbookInvite.code == code)
        if found is None or found.used_by is not None or found.expires_at < dt.datetime.now(dt.UTC):
            raise Refused("bad_code")
        key = f"{found.child}|{subject}"
        if not await HandbookGuardian.exists().where(HandbookGuardian.key == key):
            await HandbookGuardian.insert(
                HandbookGuardian(child=found.child, subject=subject, key=key, locale=locale)
            )
        await HandbookInvite.update({HandbookInvite.used_by: subject}).where(
            HandbookInvite.id == found.id
        )
    return await _guardian(subject, int(found.child))


async def remember_locale(subject: str, locale: str) -> None:
    await HandbookGuardian.update({HandbookGuardian.locale: locale}).where(
        (HandbookGuardian.subject == subject) & (HandbookGuardian.locale != locale)
    )


async def guardians(child_id: int) -> list[dict[str, Any]]:
    return await HandbookGuardian.select().where(HandbookGuardian.child == child_id)


# ---- records ------------------------------------------------------------------------------------


async def add_record(
    subject: str, child_id: int, form: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """Add an entry to the child's handbook; returns it and whether it is new. An entry whose
    ``client_key`` is already stored is not stored again (a sync sent twice). A height or weight
    impossible for the child's age is refused and nothing is stored."""
    child = await _guardian(subject, child_id)
    key = _key(form.get("client_key"))
    existing = await HandbookRecord.select().where(HandbookRecord.client_key == key).first()
    if existing is not None:
        if existing["child"] != child_id:
            raise Refused("bad_key")
        return existing, False
    kind = str(form.get("kind", "measurement"))
    if kind not in RECORD_KINDS:
        raise Refused("bad_kind")
    stage = str(form.get("stage", "")) if kind == "checkup" else ""
    if kind == "checkup" and stage not in CHECKUP_STAGES:
        raise Refused("bad_stage")
    day = _day(form.get("day"))
    if day < child["birth_date"]:
        raise Refused("before_birth")
    if day > today():
        raise Refused("in_future")
    height = _number(form.get("height_cm"), 20, 200, "impossible_height")
    weight = _number(form.get("weight_kg"), Decimal("0.2"), 120, "impossible_weight")
    head = _number(form.get("head_cm"), 20, 70, "impossible_head")
    age_days = (day - child["birth_date"]).days
    if age_days <= growth.MAX_DAYS:
        if weight is not None and growth.implausible("wfa", child["sex"], age_days, float(weight)):
            raise Refused("impossible_weight")
        if height is not None and growth.implausible("lhfa", child["sex"], age_days, float(height)):
            raise Refused("impossible_height")
    title = str(form.get("title", "")).strip()[:200]
    if kind in ("illness", "milestone") and not title:
        raise Refused("no_title")
    if kind == "measurement" and height is None and weight is None and head is None:
        raise Refused("no_measurement")
    row = HandbookRecord(
        child=child_id,
        client_key=key,
        kind=kind,
        stage=stage,
        day=day,
        height_cm=height,
        weight_kg=weight,
        head_cm=head,
        title=title,
        notes=str(form.get("notes", "")).strip()[:2000],
        author=subject,
    )
    try:
        await row.save()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        found = await HandbookRecord.select().where(HandbookRecord.client_key == key).first()
        return found, False  # the same entry arrived twice at once
    return row.to_dict(), True


async def records(subject: str, child_id: int) -> list[dict[str, Any]]:
    await _guardian(subject, child_id)
    return (
        await HandbookRecord.select()
        .where(HandbookRecord.child == child_id)
        .order_by(HandbookRecord.day, ascending=False)
        .order_by(HandbookRecord.id, ascending=False)
    )


async def sync(subject: str, entries: list[Any]) -> dict[str, Any]:
    """Entries made offline, as the device queued them (a child's entry, or a prenatal checkup
    with ``"type": "pregnancy_checkup"``): each stored once (by ``client_key``). Answers which
    keys are stored (new or before) and which were refused, and why."""
    stored, refused = [], []
    for entry in entries[:200]:
        if not isinstance(entry, dict):
            continue
        key = str(entry.get("client_key", ""))
        try:
            if entry.get("type") == "pregnancy_checkup":
                await add_pregnancy_checkup(subject, entry)
            else:
                await add_record(subject, int(entry.get("child", 0)), entry)
        except (Refused, ValueError, TypeError) as exc:
            refused.append({"client_key": key, "reason": getattr(exc, "reason", "bad_entry")})
            continue
        stored.append(key)
    return {"stored": stored, "refused": refused}


# ---- vaccinations -------------------------------------------------------------------------------


async def doses(child_id: int) -> dict[tuple[str, int], dt.date]:
    rows = await HandbookDose.select().where(HandbookDose.child == child_id)
    return {(r["vaccine"], r["dose"]): r["given_on"] for r in rows}


async def record_dose(subject: str, child_id: int, form: dict[str, Any]) -> dict[str, Any]:
    """Record a dose given. One before its earliest legal date (or after the last) is stored and
    flagged; the plan says so."""
    child = await _guardian(subject, child_id)
    rules = vaccines.rules_for(today())
    vaccine = rules.vaccine(str(form.get("vaccine", "")))
    try:
        number = int(str(form.get("dose", "")))
    except ValueError:
        raise Refused("unknown_vaccine") from None
    if vaccine is None or number not in [d.dose for d in vaccine.doses]:
        raise Refused("unknown_vaccine")
    given_on = _day(form.get("given_on"))
    if given_on < child["birth_date"]:
        raise Refused("before_birth")
    if given_on > today():
        raise Refused("in_future")
    given = await doses(child_id)
    given.pop((vaccine.id, number), None)
    given[(vaccine.id, number)] = given_on
    planned = vaccines.plan(child["birth_date"], given, today(), rules)
    flag = next(p.flag for p in planned if (p.vaccine, p.dose) == (vaccine.id, number)) or ""
    key = f"{child_id}|{vaccine.id}|{number}"
    async with transaction():
        await HandbookDose.delete().where(HandbookDose.key == key)
        await HandbookDose.insert(
            HandbookDose(
                child=child_id,
                key=key,
                client_key=_key(form.get("client_key")),
                vaccine=vaccine.id,
                dose=number,
                given_on=given_on,
                flag=flag,
                author=subject,
            )
        )
    return {"vaccine": vaccine.id, "dose": number, "given_on": given_on, "flag": flag}


async def plan_for(child: dict[str, Any], on: dt.date | None = None) -> list[vaccines.PlannedDose]:
    return vaccines.plan(
        child["birth_date"], await doses(child["id"]), on or today(), sex=child["sex"]
    )


# ---- pregnancy ----------------------------------------------------------------------------------


async def pregnancy(subject: str) -> dict[str, Any] | None:
    return (
        await HandbookPregnancy.select()
        .where(HandbookPregnancy.owner == subject)
        .order_by(HandbookPregnancy.id, ascending=False)
        .first()
    )


async def save_pregnancy(subject: str, form: dict[str, Any]) -> dict[str, Any]:
    due = _day(form.get("due_date"), "bad_due_date")
    if not today() - dt.timedelta(days=60) <= due <= today() + dt.timedelta(days=300):
        raise Refused("bad_due_date")
    notes = str(form.get("notes", "")).strip()[:2000]
    found = await pregnancy(subject)
    if found:
        await HandbookPregnancy.update(
            {HandbookPregnancy.due_date: due, HandbookPregnancy.notes: notes}
        ).where(HandbookPregnancy.id == found["id"])
    else:
        await HandbookPregnancy.insert(HandbookPregnancy(owner=subject, due_date=due, notes=notes))
    return await pregnancy(subject)  # type: ignore[return-value]


async def add_pregnancy_checkup(subject: str, form: dict[str, Any]) -> bool:
    found = await pregnancy(subject)
    if found is None:
        raise Refused("no_pregnancy")
    key = _key(form.get("client_key"))
    if await HandbookPregnancyCheckup.exists().where(HandbookPregnancyCheckup.client_key == key):
        return False
    day = _day(form.get("day"))
    if day > today():
        raise Refused("in_future")
    week = _number(form.get("week"), 4, 42, "bad_week")
    weight = _number(form.get("weight_kg"), 30, 150, "impossible_weight")
    pressure = str(form.get("blood_pressure", "")).strip()[:20]
    row = HandbookPregnancyCheckup(
        pregnancy=found["id"],
        client_key=key,
        day=day,
        week=int(week) if week else None,
        weight_kg=weight,
        blood_pressure=pressure,
        notes=str(form.get("notes", "")).strip()[:2000],
    )
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            return False  # the same entry arrived twice at once
        raise
    return True


async def pregnancy_checkups(pregnancy_id: int) -> list[dict[str, Any]]:
    return (
        await HandbookPregnancyCheckup.select()
        .where(HandbookPregnancyCheckup.pregnancy == pregnancy_id)
        .order_by(HandbookPregnancyCheckup.day)
    )


# ---- questionnaire and interviews ---------------------------------------------------------------


async def answer(subject: str, stage: str, form: dict[str, list[str]]) -> dict[str, Any]:
    answers = questionnaire.clean(stage, form)  # raises questionnaire.Invalid
    key = f"{subject}|{stage}"
    now = dt.datetime.now(dt.UTC)
    async with transaction():
        if await HandbookQuestionnaire.exists().where(HandbookQuestionnaire.key == key):
            await HandbookQuestionnaire.update(
                {
                    HandbookQuestionnaire.answers: json.dumps(answers, ensure_ascii=False),
                    HandbookQuestionnaire.submitted_at: now,
                }
            ).where(HandbookQuestionnaire.key == key)
        else:
            await HandbookQuestionnaire.insert(
                HandbookQuestionnaire(
                    owner=subject,
                    key=key,
                    stage=stage,
                    submitted_at=now,
                    answers=json.dumps(answers, ensure_ascii=False),
                )
            )
    return await HandbookQuestionnaire.select().where(HandbookQuestionnaire.key == key).first()  # type: ignore[return-value]


async def questionnaires(subject: str) -> list[dict[str, Any]]:
    return await HandbookQuestionnaire.select().where(HandbookQuestionnaire.owner == subject)


async def free_slots(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    now = now or dt.datetime.now(dt.UTC)
    taken = [
        r["slot"]
        for r in await HandbookInterview.select(HandbookInterview.slot).where(
            HandbookInterview.slot.is_not_null()
        )
    ]
    query = HandbookSlot.select().where(
        (HandbookSlot.starts_at > now) & HandbookSlot.is_open.eq(True)
    )
    if taken:
        query = query.where(HandbookSlot.id.not_in(taken))
    return await query.order_by(HandbookSlot.starts_at)


async def _open_slot(slot_id: int) -> dict[str, Any]:
    slot = await HandbookSlot.select().where(HandbookSlot.id == slot_id).first()
    if slot is None or not slot["is_open"] or slot["starts_at"] <= dt.datetime.now(dt.UTC):
        raise Refused("unknown_slot")
    return slot


async def book(subject: str, slot_id: int, stage: str = "", locale: str = "ja") -> dict[str, Any]:
    """Book the interview in ``slot_id``. A slot someone else has is refused: the slot column is
    unique, so of two bookings at the same moment the database lets one through."""
    slot = await _open_slot(slot_id)
    if await HandbookInterview.exists().where(
        (HandbookInterview.owner == subject) & (HandbookInterview.status == "booked")
    ):
        raise Refused("already_booked")
    form = (
        await HandbookQuestionnaire.select(HandbookQuestionnaire.id)
        .where(HandbookQuestionnaire.key == f"{subject}|{stage}")
        .first()
        if stage
        else None
    )
    row = HandbookInterview(
        owner=subject,
        slot=slot_id,
        starts_at=slot["starts_at"],
        place=slot["place"],
        locale=locale,
        questionnaire=form["id"] if form else None,
    )
    try:
        await row.save()
    except Exception as exc:
        if is_unique_violation(exc):
            raise Refused("slot_taken") from None
        raise
    return row.to_dict()


async def my_interviews(subject: str) -> list[dict[str, Any]]:
    return (
        await HandbookInterview.select()
        .where(HandbookInterview.owner == subject)
        .order_by(HandbookInterview.starts_at)
    )


async def _mine(subject: str, interview_id: int) -> dict[str, Any]:
    found = (
        await HandbookInterview.select()
        .where((HandbookInterview.id == interview_id) & (HandbookInterview.owner == subject))
        .first()
    )
    if found is None or found["status"] != "booked":
        raise Refused("unknown_interview")
    return found


async def reschedule(subject: str, interview_id: int, slot_id: int) -> dict[str, Any]:
    await _mine(subject, interview_id)
    slot = await _open_slot(slot_id)
    try:
        await HandbookInterview.update(
            {
                HandbookInterview.slot: slot_id,
                HandbookInterview.starts_at: slot["starts_at"],
                HandbookInterview.place: slot["place"],
            }
        ).where(HandbookInterview.id == interview_id)
    except Exception as exc:
        if is_unique_violation(exc):
            raise Refused("slot_taken") from None
        raise
    return await _mine(subject, interview_id)


async def cancel(subject: str, interview_id: int) -> None:
    await _mine(subject, interview_id)
    await HandbookInterview.update(
        {HandbookInterview.status: "cancelled", HandbookInterview.slot: None}
    ).where(HandbookInterview.id == interview_id)


# ---- staff --------------------------------------------------------------------------------------


async def add_slots(staff: str, start: dt.datetime, count: int, minutes: int, place: str) -> int:
    if not 1 <= count <= 40 or not 10 <= minutes <= 180:
        raise Refused("bad_slots")
    if not place.strip() or len(place) > 100:
        raise Refused("bad_place")
    if start <= dt.datetime.now(dt.UTC):
        raise Refused("past_slot")
    rows = [
        HandbookSlot(
            starts_at=start + dt.timedelta(minutes=minutes * n),
            minutes=minutes,
            place=place.strip(),
            created_by=staff,
        )
        for n in range(count)
    ]
    await HandbookSlot.insert(*rows)
    return count


async def close_slot(slot_id: int) -> None:
    if await HandbookInterview.exists().where(HandbookInterview.slot == slot_id):
        raise Refused("slot_booked")
    await HandbookSlot.update({HandbookSlot.is_open: False}).where(HandbookSlot.id == slot_id)


async def staff_interviews() -> list[dict[str, Any]]:
    return await HandbookInterview.select(
        *HandbookInterview.all_columns(),
        HandbookInterview.questionnaire.stage.as_alias("stage"),
    ).order_by(HandbookInterview.starts_at)


async def staff_interview(interview_id: int) -> dict[str, Any] | None:
    found = await HandbookInterview.select().where(HandbookInterview.id == interview_id).first()
    if found is None:
        return None
    form = None
    if found["questionnaire"]:
        form = (
            await HandbookQuestionnaire.select()
            .where(HandbookQuestionnaire.id == found["questionnaire"])
            .first()
        )
    if form is None:  # the latest answers of the same person
        form = (
            await HandbookQuestionnaire.select()
            .where(HandbookQuestionnaire.owner == found["owner"])
            .order_by(HandbookQuestionnaire.submitted_at, ascending=False)
            .first()
        )
    return {**found, "form": _answers(form) if form else None}


def _answers(form: dict[str, Any]) -> dict[str, Any]:
    raw = form["answers"]
    return {**form, "answers": json.loads(raw) if isinstance(raw, str) else raw}


async def record_interview(interview_id: int, notes: str, done: bool) -> None:
    await HandbookInterview.update(
        {
            HandbookInterview.staff_notes: notes.strip()[:4000],
            HandbookInterview.status: "done" if done else "booked",
        }
    ).where(HandbookInterview.id == interview_id)


async def layout(kind: str) -> list[dict[str, str]]:
    found = await HandbookExportLayout.select().where(HandbookExportLayout.kind == kind).first()
    if found is None:
        return list(questionnaire.DEFAULT_LAYOUTS[kind])
    raw = found["columns"]
    return json.loads(raw) if isinstance(raw, str) else raw


async def save_layout(staff: str, kind: str, text: str) -> list[dict[str, str]]:
    if kind not in questionnaire.DEFAULT_LAYOUTS:
        raise Refused("bad_layout")
    columns = questionnaire.parse_layout(text)  # raises questionnaire.Invalid
    value = json.dumps(columns, ensure_ascii=False)
    now = dt.datetime.now(dt.UTC)
    if await HandbookExportLayout.exists().where(HandbookExportLayout.kind == kind):
        await HandbookExportLayout.update(
            {
                HandbookExportLayout.columns: value,
                HandbookExportLayout.updated_by: staff,
                HandbookExportLayout.updated_at: now,
            }
        ).where(HandbookExportLayout.kind == kind)
    else:
        await HandbookExportLayout.insert(
            HandbookExportLayout(kind=kind, columns=value, updated_by=staff, updated_at=now)
        )
    return columns


def _value(field: str, interview: dict[str, Any] | None, form: dict[str, Any] | None) -> str:
    if field == "person.ref":
        return str((interview or form or {}).get("owner", ""))
    if field.startswith("interview.") and interview:
        local = interview["starts_at"].astimezone(JST)
        return {
            "interview.id": str(interview["id"]),
            "interview.date": local.date().isoformat(),
            "interview.time": local.strftime("%H:%M"),
            "interview.place": interview["place"],
            "interview.status": interview["status"],
            "interview.staff_notes": interview["staff_notes"],
        }.get(field, "")
    if field.startswith("questionnaire.") and form:
        return {
            "questionnaire.stage": form["stage"],
            "questionnaire.submitted": form["submitted_at"].astimezone(JST).date().isoformat(),
        }.get(field, "")
    if field.startswith("answer.") and form:
        value = form["answers"].get(field.removeprefix("answer."), "")
        return " ".join(value) if isinstance(value, list) else str(value)
    return ""


async def export_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV export in the city's current column layout."""
    columns = await layout(kind)
    rows: list[list[str]] = []
    if kind == "questionnaires":
        for form in await HandbookQuestionnaire.select().order_by(HandbookQuestionnaire.id):
            form = _answers(form)
            rows.append([_value(c["field"], None, form) for c in columns])
    else:
        for item in await HandbookInterview.select().order_by(HandbookInterview.starts_at):
            full = await staff_interview(item["id"])
            rows.append([_value(c["field"], item, (full or {}).get("form")) for c in columns])
    return [c["header"] for c in columns], rows
