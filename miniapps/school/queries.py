"""What the pages read. Every read that concerns a child is reached through a check that the
reader is the child's guardian or on the class's staff (see routes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .actions import now_utc
from .tables import (
    SchoolAnswer,
    SchoolAttachment,
    SchoolAttendance,
    SchoolChild,
    SchoolClass,
    SchoolContact,
    SchoolConversation,
    SchoolGuardian,
    SchoolLetter,
    SchoolLetterText,
    SchoolMessage,
    SchoolNotice,
    SchoolReceipt,
    SchoolStaff,
    SchoolTranslation,
)


async def children_of(subject: str) -> list[dict[str, Any]]:
    rows = (
        await SchoolGuardian.select(
            SchoolGuardian.child.id.as_alias("id"),
            SchoolGuardian.child.first_name.as_alias("first_name"),
            SchoolGuardian.child.kana.as_alias("kana"),
            SchoolGuardian.child.klass.id.as_alias("class_id"),
            SchoolGuardian.child.klass.name.as_alias("class_name"),
            SchoolGuardian.child.klass.school.as_alias("school"),
            SchoolGuardian.child.klass.kind.as_alias("kind"),
        )
        .where(SchoolGuardian.subject == subject)
        .order_by(SchoolGuardian.id)
    )
    return rows


async def is_guardian(subject: str, child_id: int) -> bool:
    return await SchoolGuardian.exists().where(SchoolGuardian.key == f"{subject}|{child_id}")


async def child(child_id: int) -> dict[str, Any] | None:
    return (
        await SchoolChild.select(
            *SchoolChild.all_columns(),
            SchoolChild.klass.name.as_alias("class_name"),
            SchoolChild.klass.school.as_alias("school"),
            SchoolChild.klass.kind.as_alias("kind"),
            SchoolChild.klass.deadline.as_alias("deadline"),
        )
        .where(SchoolChild.id == child_id)
        .first()
    )


async def klass(class_id: int) -> dict[str, Any] | None:
    return await SchoolClass.select().where(SchoolClass.id == class_id).first()


async def staff_classes(subject: str, admin: bool) -> list[dict[str, Any]]:
    if admin:
        return await SchoolClass.select().order_by(SchoolClass.school).order_by(SchoolClass.grade)
    ids = [r["klass"] for r in await SchoolStaff.select(SchoolStaff.klass).where(
        SchoolStaff.subject == subject)]  # fmt: skip
    if not ids:
        return []
    return await SchoolClass.select().where(SchoolClass.id.is_in(ids)).order_by(SchoolClass.grade)


async def is_class_staff(subject: str, class_id: int) -> bool:
    return await SchoolStaff.exists().where(SchoolStaff.key == f"{subject}|{class_id}")


async def attendance(child_id: int, day: dt.date) -> dict[str, Any] | None:
    key = f"{child_id}|{day.isoformat()}"
    return await SchoolAttendance.select().where(SchoolAttendance.key == key).first()


async def notices_for(child_id: int, since: dt.date) -> list[dict[str, Any]]:
    return (
        await SchoolNotice.select()
        .where((SchoolNotice.child == child_id) & (SchoolNotice.day >= since))
        .order_by(SchoolNotice.day)
        .output(load_json=True)
    )


async def board(class_id: int, day: dt.date) -> list[dict[str, Any]]:
    """Every child of the class with the day's notice and gate times."""
    children = (
        await SchoolChild.select().where(SchoolChild.klass == class_id).order_by(SchoolChild.kana)
    )
    ids = [c["id"] for c in children]
    notices: dict[int, Any] = {}
    attendance: dict[int, Any] = {}
    guardians: dict[int, int] = {}
    if ids:
        for n in (
            await SchoolNotice.select()
            .where(SchoolNotice.child.is_in(ids) & (SchoolNotice.day == day))
            .output(load_json=True)
        ):
            notices[n["child"]] = n
        for a in await SchoolAttendance.select().where(
            SchoolAttendance.child.is_in(ids) & (SchoolAttendance.day == day)
        ):
            attendance[a["child"]] = a
        for g in await SchoolGuardian.select(SchoolGuardian.child).where(
            SchoolGuardian.child.is_in(ids)
        ):
            guardians[g["child"]] = guardians.get(g["child"], 0) + 1
    return [{**c, "notice": notices.get(c["id"]), "attendance": attendance.get(c["id"]),
             "guardians": guardians.get(c["id"], 0)} for c in children]  # fmt: skip


async def upcoming(class_id: int, after: dt.date, days: int = 7) -> list[dict[str, Any]]:
    """Notices for the days after ``after`` (a week by default), for the board."""
    return await SchoolNotice.select(
        *SchoolNotice.all_columns(), SchoolNotice.child.first_name.as_alias("first_name")
    ).where(
        (SchoolNotice.child.klass == class_id) & (SchoolNotice.day > after)
        & (SchoolNotice.day <= after + dt.timedelta(days=days))
    ).order_by(SchoolNotice.day).output(load_json=True)  # fmt: skip


async def month_attendance(class_id: int, month: dt.date) -> list[dict[str, Any]]:
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    children = {c["id"]: c for c in await SchoolChild.select().where(SchoolChild.klass == class_id)}
    rows: dict[tuple[int, dt.date], dict[str, Any]] = {}
    if not children:
        return []
    ids = list(children)
    for n in await SchoolNotice.select().where(
        SchoolNotice.child.is_in(ids) & (SchoolNotice.day >= start) & (SchoolNotice.day < end)
    ):
        rows.setdefault((n["child"], n["day"]), {})["notice"] = n
    for a in await SchoolAttendance.select().where(
        SchoolAttendance.child.is_in(ids)
        & (SchoolAttendance.day >= start)
        & (SchoolAttendance.day < end)
    ):
        rows.setdefault((a["child"], a["day"]), {})["attendance"] = a
    ordered = sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    return [{"day": day, "child": children[cid], **found} for (cid, day), found in ordered]


# --- letters ----------------------------------------------------------------------------------


def _audience_where(klass_row: dict[str, Any]) -> Any:
    return (SchoolLetter.school == klass_row["school"]) & (
        (SchoolLetter.klass == klass_row["id"])
        | ((SchoolLetter.klass.is_null()) & (SchoolLetter.grade == klass_row["grade"]))
        | ((SchoolLetter.klass.is_null()) & (SchoolLetter.grade.is_null()))
    )


async def letters_for_guardian(
    subject: str, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Letters sent to any of the guardian's children's classes, newest first, with read flags."""
    now = now or now_utc()
    class_ids = {c["class_id"] for c in await children_of(subject)}
    found: dict[int, dict[str, Any]] = {}
    for class_id in class_ids:
        row = await klass(class_id)
        for letter in await SchoolLetter.select().where(
            _audience_where(row) & (SchoolLetter.send_at <= now) & (SchoolLetter.draft == False)  # noqa: E712
        ):
            found[letter["id"]] = letter
    read = {r["letter"] for r in await SchoolReceipt.select(SchoolReceipt.letter).where(
        SchoolReceipt.subject == subject)}  # fmt: skip
    letters = sorted(found.values(), key=lambda r: r["send_at"], reverse=True)
    return [{**letter, "read": letter["id"] in read} for letter in letters]


async def letter(letter_id: int) -> dict[str, Any] | None:
    query = SchoolLetter.select().where(SchoolLetter.id == letter_id)
    return await query.output(load_json=True).first()


async def my_answer(letter_id: int, subject: str) -> dict[str, Any] | None:
    return await SchoolAnswer.select().where(SchoolAnswer.key == f"{letter_id}|{subject}").first()


async def answers(letter_id: int) -> dict[str, dict[str, Any]]:
    """Each guardian's answer to a letter's question, by pairwise id."""
    rows = await SchoolAnswer.select().where(SchoolAnswer.letter == letter_id)
    return {r["subject"]: r for r in rows}


async def contact(child_id: int, day: dt.date) -> dict[str, Any] | None:
    key = f"{child_id}|{day.isoformat()}"
    return await SchoolContact.select().where(SchoolContact.key == key).first()


async def contacts(child_id: int, since: dt.date) -> list[dict[str, Any]]:
    """The child's contact book since ``since``, newest first."""
    query = SchoolContact.select().where(
        (SchoolContact.child == child_id) & (SchoolContact.day >= since)
    )
    return await query.order_by(SchoolContact.day, ascending=False)


async def letter_visible_to(subject: str, letter_id: int, now: dt.datetime | None = None) -> bool:
    return any(r["id"] == letter_id for r in await letters_for_guardian(subject, now))


async def letter_text(letter_id: int, lang: str) -> dict[str, Any] | None:
    query = SchoolLetterText.select().where(SchoolLetterText.key == f"{letter_id}|{lang}")
    return await query.output(load_json=True).first()


async def letter_texts(letter_id: int) -> list[dict[str, Any]]:
    return (
        await SchoolLetterText.select()
        .where(SchoolLetterText.letter == letter_id)
        .order_by(SchoolLetterText.lang)
    )


async def attachments(letter_id: int) -> list[dict[str, Any]]:
    return (
        await SchoolAttachment.select()
        .where(SchoolAttachment.letter == letter_id)
        .order_by(SchoolAttachment.id)
    )


async def attachment(attachment_id: int) -> dict[str, Any] | None:
    return await SchoolAttachment.select().where(SchoolAttachment.id == attachment_id).first()


async def letter_classes(letter_row: dict[str, Any]) -> list[int]:
    """The classes a letter is sent to."""
    if letter_row["klass"]:
        return [letter_row["klass"]]
    query = SchoolClass.select(SchoolClass.id).where(SchoolClass.school == letter_row["school"])
    if letter_row["grade"] is not None:
        query = query.where(SchoolClass.grade == letter_row["grade"])
    return [r["id"] for r in await query]


async def letter_audience(letter_row: dict[str, Any]) -> list[dict[str, Any]]:
    """Each guardian the letter is for (once, with their children's names) and whether read."""
    class_ids = await letter_classes(letter_row)
    if not class_ids:
        return []
    rows = (
        await SchoolGuardian.select(
            SchoolGuardian.subject,
            SchoolGuardian.locale,
            SchoolGuardian.notify,
            SchoolGuardian.child.first_name.as_alias("first_name"),
            SchoolGuardian.child.klass.name.as_alias("class_name"),
        )
        .where(SchoolGuardian.child.klass.is_in(class_ids))
        .order_by(SchoolGuardian.id)
    )
    read = {r["subject"] for r in await SchoolReceipt.select(SchoolReceipt.subject).where(
        SchoolReceipt.letter == letter_row["id"])}  # fmt: skip
    people: dict[str, dict[str, Any]] = {}
    for r in rows:
        person = people.setdefault(r["subject"], {
            "subject": r["subject"], "locale": r["locale"], "notify": r["notify"],
            "children": [], "read": r["subject"] in read,
        })  # fmt: skip
        person["children"].append(f"{r['first_name']}（{r['class_name']}）")
    return list(people.values())


async def class_letters(class_row: dict[str, Any]) -> list[dict[str, Any]]:
    return (
        await SchoolLetter.select()
        .where(_audience_where(class_row))
        .order_by(SchoolLetter.send_at, ascending=False)
        .limit(30)
    )


async def due_letters(now: dt.datetime) -> list[dict[str, Any]]:
    return (
        await SchoolLetter.select()
        .where(
            (SchoolLetter.notified == False)  # noqa: E712
            & (SchoolLetter.send_at <= now)
            & (SchoolLetter.draft == False)  # noqa: E712
        )
        .output(load_json=True)
    )


# --- conversations ----------------------------------------------------------------------------


async def conversation(conversation_id: int) -> dict[str, Any] | None:
    return (
        await SchoolConversation.select(
            *SchoolConversation.all_columns(),
            SchoolConversation.klass.name.as_alias("class_name"),
            SchoolConversation.klass.office_hours.as_alias("office_hours"),
        )
        .where(SchoolConversation.id == conversation_id)
        .first()
    )


async def messages(conversation_id: int, after: int = 0) -> list[dict[str, Any]]:
    return (
        await SchoolMessage.select()
        .where((SchoolMessage.conversation == conversation_id) & (SchoolMessage.id > after))
        .order_by(SchoolMessage.id)
        .limit(200)
    )


async def inbox(class_id: int) -> list[dict[str, Any]]:
    return (
        await SchoolConversation.select()
        .where((SchoolConversation.klass == class_id) & SchoolConversation.last_at.is_not_null())
        .order_by(SchoolConversation.last_at, ascending=False)
    )


async def guardian_classes(subject: str) -> set[int]:
    return {c["class_id"] for c in await children_of(subject)}


async def class_guardians(class_id: int) -> list[dict[str, Any]]:
    return await SchoolGuardian.select(SchoolGuardian.subject, SchoolGuardian.notify).where(
        SchoolGuardian.child.klass == class_id
    )


async def class_staff(class_id: int) -> list[str]:
    return [r["subject"] for r in await SchoolStaff.select(SchoolStaff.subject).where(
        SchoolStaff.klass == class_id)]  # fmt: skip


async def cached_translation(message_id: int, lang: str) -> str | None:
    row = (
        await SchoolTranslation.select()
        .where(SchoolTranslation.key == f"{message_id}|{lang}")
        .first()
    )
    return row["text"] if row else None


async def store_translation(message_id: int, lang: str, text: str) -> None:
    await SchoolTranslation.insert(
        SchoolTranslation(key=f"{message_id}|{lang}", text=text[:4000])
    ).on_conflict(action="DO NOTHING")


async def schools() -> list[str]:
    """Every school and nursery with a class, by name."""
    rows = await SchoolClass.select(SchoolClass.school).distinct().order_by(SchoolClass.school)
    return [r["school"] for r in rows]


async def absence_figures(since: dt.date) -> list[dict[str, Any]]:
    """Absence notices since ``since`` per school and month: how many, and how many came
    through the app (the others were phoned in and written down by staff)."""
    rows = await SchoolNotice.select(
        SchoolNotice.child.klass.school.as_alias("school"), SchoolNotice.day, SchoolNotice.via
    ).where((SchoolNotice.kind == "absent") & (SchoolNotice.day >= since))
    tally: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["school"], row["day"].strftime("%Y-%m"))
        entry = tally.setdefault(key, {"school": key[0], "month": key[1], "total": 0, "app": 0})
        entry["total"] += 1
        entry["app"] += row["via"] == "app"
    return sorted(tally.values(), key=lambda e: (e["school"], e["month"]))


async def guardian_registration() -> dict[str, dict[str, int]]:
    """Per school: children on the roll, and children with at least one guardian in the app."""
    children = await SchoolChild.select(
        SchoolChild.id, SchoolChild.klass.school.as_alias("school")
    )
    linked = {r["child"] for r in await SchoolGuardian.select(SchoolGuardian.child)}
    found: dict[str, dict[str, int]] = {}
    for child in children:
        entry = found.setdefault(child["school"], {"children": 0, "registered": 0})
        entry["children"] += 1
        entry["registered"] += child["id"] in linked
    return found
