"""Applications and reports: every change checks its input first and changes nothing when it
refuses (:class:`Refused`, with a message key the routes translate). Each change is one
transaction; status changes append to the history, never rewrite it."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import unicodedata
from typing import Any

from machi_sdk import write_transaction

from . import files, place, schema
from .tables import (
    ApplyAttachment,
    ApplyCounterTally,
    ApplyEvent,
    ApplyForm,
    ApplyFormVersion,
    ApplyReport,
    ApplyReportEvent,
    ApplySubmission,
)

STATUSES = (
    "draft",
    "payment",
    "received",
    "in_review",
    "correction",
    "approved",
    "rejected",
    "completed",
)
OPEN_STATUSES = ("received", "in_review", "correction")
CLOSED_STATUSES = ("approved", "rejected", "completed")
# staff moves: from -> allowed targets
STAFF_MOVES = {
    "received": {"in_review", "correction", "approved", "rejected"},
    "in_review": {"correction", "approved", "rejected"},
    "correction": {"in_review", "rejected"},
    "approved": {"completed"},
}
NEEDS_MESSAGE = {"correction", "rejected"}
REPORT_CATEGORIES = ("road", "streetlight", "park", "fallen_tree", "dumping", "other")
REPORT_STATUSES = ("open", "assigned", "closed")
MAX_NOTE = 1000
MAX_MESSAGE = 2000
MAX_ATTACHMENTS = 5
MAX_REPORTS_A_DAY = 20  # per resident: more is refused (a stuck button, or abuse)


class Refused(Exception):
    """An action refused; ``reason`` is a short key; ``errors`` per field for a form."""

    def __init__(self, reason: str, errors: dict[str, Any] | None = None) -> None:
        self.reason = reason
        self.errors = errors or {}
        super().__init__(reason)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return (now() + dt.timedelta(hours=9)).date()  # Asia/Tokyo


def as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def transaction() -> Any:
    """A write transaction; on SQLite ``BEGIN IMMEDIATE`` so racing writers queue, not fail."""
    return write_transaction(ApplyForm)


def _message(text: str, limit: int = MAX_MESSAGE) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if len(text) > limit:
        raise Refused("too_long")
    if schema.MY_NUMBER.search(text):
        raise Refused("my_number")
    return text


# ---------------------------------------------------------------- forms (staff, no programmer)

EMPTY_DRAFT: dict[str, Any] = {
    "fields": [],
    "fee": {"base": 0, "per_unit": None, "by_choice": None},
    "requires_verified": False,
    "result": "notice",
    "reviewer": "",
}


async def form(slug: str) -> dict[str, Any]:
    row = await ApplyForm.select().where(ApplyForm.slug == slug).first()
    if row is None:
        raise Refused("unknown_form")
    draft = {**EMPTY_DRAFT, **(as_json(row["draft"]) or {})}
    draft["fee"] = {**EMPTY_DRAFT["fee"], **(draft.get("fee") or {})}
    row["draft"] = draft
    return row


async def create_form(slug: str, title_ja: str, title_en: str = "") -> dict[str, Any]:
    slug = slug.strip()
    if not schema.KEY.match(slug.replace("-", "_")):
        raise Refused("bad_slug")
    title_ja, title_en = _message(title_ja, 100), _message(title_en, 100)
    if not title_ja:
        raise Refused("no_title")
    async with transaction():
        if await ApplyForm.exists().where(ApplyForm.slug == slug):
            raise Refused("slug_taken")
        await ApplyForm.insert(
            ApplyForm(
                slug=slug,
                title_ja=title_ja,
                title_en=title_en,
                draft=json.dumps(EMPTY_DRAFT),
                updated_at=now(),
            )
        )
    return await form(slug)


async def set_form_details(slug: str, **details: Any) -> None:
    """Titles, summaries, plain-word keywords and the publication period."""
    await form(slug)
    values: dict[Any, Any] = {ApplyForm.updated_at: now()}
    for name in ("title_ja", "title_en", "summary_ja", "summary_en", "keywords"):
        if name in details:
            text = _message(str(details[name]), 100 if name.startswith("title") else 1000)
            if name == "title_ja" and not text:
                raise Refused("no_title")
            values[getattr(ApplyForm, name)] = text
    opens, closes = details.get("opens"), details.get("closes")
    if "opens" in details or "closes" in details:
        if opens and closes and opens > closes:
            raise Refused("period_order")
        values[ApplyForm.opens] = opens or None
        values[ApplyForm.closes] = closes or None
    await ApplyForm.update(values).where(ApplyForm.slug == slug)


async def _save_draft(slug: str, draft: dict[str, Any]) -> dict[str, Any]:
    if [f for f in draft["fields"] if f.get("type") != "section"]:
        draft = schema.check_schema(draft)  # raises SchemaError listing the problems
    await ApplyForm.update(
        {ApplyForm.draft: json.dumps(draft, ensure_ascii=False), ApplyForm.updated_at: now()}
    ).where(ApplyForm.slug == slug)
    return draft


async def add_field(slug: str, field: dict[str, Any]) -> dict[str, Any]:
    draft = (await form(slug))["draft"]
    return await _save_draft(slug, {**draft, "fields": [*draft["fields"], field]})


async def remove_field(slug: str, key: str) -> dict[str, Any]:
    draft = (await form(slug))["draft"]
    fields = [f for f in draft["fields"] if f["key"] != key]
    return await _save_draft(slug, {**draft, "fields": fields})


async def move_field(slug: str, key: str, step: int) -> dict[str, Any]:
    draft = (await form(slug))["draft"]
    fields = list(draft["fields"])
    index = next((i for i, f in enumerate(fields) if f["key"] == key), None)
    if index is None:
        raise Refused("unknown_field")
    target = max(0, min(len(fields) - 1, index + step))
    fields.insert(target, fields.pop(index))
    return await _save_draft(slug, {**draft, "fields": fields})


async def set_rules(
    slug: str,
    *,
    fee: dict[str, Any],
    requires_verified: bool,
    result: str,
    reviewer: str | None = None,
) -> dict[str, Any]:
    draft = (await form(slug))["draft"]
    rules = {"fee": fee, "requires_verified": requires_verified, "result": result}
    if reviewer is not None:
        rules["reviewer"] = reviewer
    return await _save_draft(slug, {**draft, **rules})


async def publish(slug: str) -> int:
    """Freeze the draft as the next version; residents fill this version from now on. Publishing
    an unchanged draft again makes no new version."""
    async with transaction():
        row = await form(slug)
        clean = schema.check_schema(row["draft"])
        if row["current_version"]:
            latest = await current_version(row["id"], row["current_version"])
            if latest and latest["schema"] == clean:
                await ApplyForm.update({ApplyForm.withdrawn: False}).where(
                    ApplyForm.id == row["id"]
                )
                return int(row["current_version"])
        number = int(row["current_version"]) + 1
        await ApplyFormVersion.insert(
            ApplyFormVersion(
                form=row["id"],
                version=number,
                schema=json.dumps(clean, ensure_ascii=False),
                published_at=now(),
            )
        )
        await ApplyForm.update(
            {ApplyForm.current_version: number, ApplyForm.withdrawn: False}
        ).where(ApplyForm.id == row["id"])
    return number


async def withdraw(slug: str) -> None:
    await form(slug)
    await ApplyForm.update({ApplyForm.withdrawn: True}).where(ApplyForm.slug == slug)


async def current_version(form_id: int, number: int) -> dict[str, Any] | None:
    row = (
        await ApplyFormVersion.select()
        .where((ApplyFormVersion.form == form_id) & (ApplyFormVersion.version == number))
        .first()
    )
    if row:
        row["schema"] = as_json(row["schema"])
    return row


async def version_by_id(version_id: int) -> dict[str, Any]:
    row = await ApplyFormVersion.select().where(ApplyFormVersion.id == version_id).first()
    assert row is not None
    row["schema"] = as_json(row["schema"])
    return row


def is_open(row: dict[str, Any], day: dt.date) -> bool:
    return bool(
        row["current_version"]
        and not row["withdrawn"]
        and (row["opens"] is None or row["opens"] <= day)
        and (row["closes"] is None or day <= row["closes"])
    )


async def all_forms() -> list[dict[str, Any]]:
    return await ApplyForm.select().order_by(ApplyForm.id)


def _fold(text: str) -> str:
    """Lower case, full-width folded, katakana as hiragana (ジュウミン finds じゅうみん)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


async def search_forms(query: str, day: dt.date) -> list[dict[str, Any]]:
    """Open procedures matching every plain word of ``query`` in their titles, summaries or
    keywords; all open procedures for an empty query."""
    words = [_fold(w) for w in _fold(query).replace("、", " ").split() if w]
    found = []
    for row in await all_forms():
        if not is_open(row, day):
            continue
        hay = _fold(
            " ".join(
                str(row[k])
                for k in ("title_ja", "title_en", "summary_ja", "summary_en", "keywords")
            )
        )
        if all(w in hay for w in words):
            found.append(row)
    return found


# ---------------------------------------------------------------- applications (residents)


async def _new_number(prefix: str, table: Any) -> str:
    for _ in range(20):
        number = f"{prefix}{secrets.randbelow(10**8):08d}"
        number = f"{number[:5]}-{number[5:]}"
        if not await table.exists().where(table.number == number):
            return number
    raise RuntimeError("no free reference number")


async def save(
    subject: str,
    slug: str,
    raw: dict[str, Any],
    *,
    submit: bool,
    verified: bool,
    number: str | None = None,
    locale: str = "ja",
) -> dict[str, Any]:
    """Save a draft (answers kept as typed, except what must never be stored) or submit it.

    Submitting validates every visible field against the procedure's current version, which the
    application keeps from then on; with a fee it waits for payment, else it is received."""
    row = await form(slug)
    if not is_open(row, today()):
        raise Refused("form_closed")
    version = await current_version(row["id"], row["current_version"])
    assert version is not None
    sch = version["schema"]
    async with transaction():
        existing = None
        if number:
            existing = (
                await ApplySubmission.select()
                .where((ApplySubmission.number == number) & (ApplySubmission.subject == subject))
                .first()
            )
            if existing is None:
                raise Refused("unknown_application")
            if existing["status"] != "draft":
                raise Refused("already_submitted")
        have = {
            a["field"]
            for a in await ApplyAttachment.select(ApplyAttachment.field).where(
                (ApplyAttachment.submission == existing["id"])
                if existing
                else (ApplyAttachment.id == -1)
            )
        }
        answers, errors = schema.validate(sch, raw, attachments=have)
        keys = {f["key"] for f in sch["fields"]}
        for key, value in raw.items():  # hidden or not yet valid fields too: never stored
            folded = unicodedata.normalize("NFKC", str(value))
            if key in keys and schema.MY_NUMBER.search(folded):
                errors[key] = ("my_number", {})
        if any(code == "my_number" for code, _ in errors.values()):
            raise Refused("invalid", {k: v for k, v in errors.items() if v[0] == "my_number"})
        if submit and errors:
            raise Refused("invalid", errors)
        if submit and sch.get("requires_verified") and not verified:
            raise Refused("not_verified")
        if not submit:  # a draft keeps what the resident typed that is not refused outright
            answers = {
                **{
                    k: v
                    for k, v in raw.items()
                    if isinstance(v, str) and k in {f["key"] for f in sch["fields"]}
                },
                **answers,
            }
        fee = schema.fee_for(sch, answers) if submit else 0
        status = "draft" if not submit else ("payment" if fee > 0 else "received")
        values = {
            "answers": json.dumps(answers, ensure_ascii=False),
            "status": status,
            "fee": fee,
            "payment": "pending" if status == "payment" else "none",
            "version": version["id"],
            "locale": locale,
            "submitted_at": now() if submit else None,
        }
        if existing is None:
            number = await _new_number("A", ApplySubmission)
            await ApplySubmission.insert(
                ApplySubmission(
                    number=number, form=row["id"], subject=subject, created_at=now(), **values
                )
            )
        else:
            await ApplySubmission.update(
                {getattr(ApplySubmission, k): v for k, v in values.items()}
            ).where(ApplySubmission.id == existing["id"])
        app = await submission(number or "")
        if status != "draft":
            await _event(app["id"], status, "", by_staff=False)
    return app


async def add_attachment(
    subject: str, number: str, field: str, name: str, data: bytes
) -> dict[str, Any]:
    """Attach a file to one's draft or correction, checked and stripped (images)."""
    app = await submission(number)
    if app["subject"] != subject:
        raise Refused("unknown_application")
    if app["status"] not in ("draft", "correction"):
        raise Refused("closed")
    fields = {f["key"]: f for f in (await version_by_id(app["version"]))["schema"]["fields"]}
    current = await form_schema_for_draft(app)
    fields.update({f["key"]: f for f in current["fields"]})
    if fields.get(field, {}).get("type") != "attachment":
        raise Refused("unknown_field")
    try:
        kind, stored = files.check(data, files.DOCUMENT_TYPES)
    except files.FileRefused as exc:
        raise Refused(exc.reason) from None
    async with transaction():
        count = await ApplyAttachment.count().where(ApplyAttachment.submission == app["id"])
        if count >= MAX_ATTACHMENTS * 4:
            raise Refused("too_many_files")
        await ApplyAttachment.delete().where(
            (ApplyAttachment.submission == app["id"]) & (ApplyAttachment.field == field)
        )
        made = await ApplyAttachment.insert(
            ApplyAttachment(
                owner=subject,
                submission=app["id"],
                field=field,
                purpose="answer",
                name=_file_name(name),
                content_type=kind,
                size=len(stored),
                data=stored,
                created_at=now(),
            )
        ).returning(ApplyAttachment.id)
    return {"id": made[0]["id"], "content_type": kind, "size": len(stored)}


async def form_schema_for_draft(app: dict[str, Any]) -> dict[str, Any]:
    """The schema a draft is filled against now (the current version), a sent one its own."""
    if app["status"] == "draft":
        row = await ApplyForm.select().where(ApplyForm.id == app["form"]).first()
        assert row is not None
        version = await current_version(row["id"], row["current_version"])
        if version:
            return version["schema"]
    return (await version_by_id(app["version"]))["schema"]


def _file_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name or "file").replace("/", "_").replace("\\", "_")
    return name.strip()[-120:] or "file"


async def submission(number: str) -> dict[str, Any]:
    row = (
        await ApplySubmission.select(
            *ApplySubmission.all_columns(),
            ApplySubmission.form.slug.as_alias("form_slug"),
            ApplySubmission.form.title_ja.as_alias("title_ja"),
            ApplySubmission.form.title_en.as_alias("title_en"),
            ApplySubmission.version.version.as_alias("version_number"),
        )
        .where(ApplySubmission.number == number)
        .first()
    )
    if row is None:
        raise Refused("unknown_application")
    row["answers"] = as_json(row["answers"]) or {}
    return row


async def mine(subject: str) -> list[dict[str, Any]]:
    rows = (
        await ApplySubmission.select(
            ApplySubmission.number,
            ApplySubmission.status,
            ApplySubmission.fee,
            ApplySubmission.payment,
            ApplySubmission.created_at,
            ApplySubmission.submitted_at,
            ApplySubmission.form.title_ja.as_alias("title_ja"),
            ApplySubmission.form.title_en.as_alias("title_en"),
        )
        .where(ApplySubmission.subject == subject)
        .order_by(ApplySubmission.id, ascending=False)
    )
    return rows


async def history(submission_id: int) -> list[dict[str, Any]]:
    return (
        await ApplyEvent.select()
        .where(ApplyEvent.submission == submission_id)
        .order_by(ApplyEvent.id)
    )


async def _event(submission_id: int, status: str, message: str, *, by_staff: bool) -> None:
    await ApplyEvent.insert(
        ApplyEvent(
            submission=submission_id, status=status, message=message, by_staff=by_staff, at=now()
        )
    )


async def refund_if_rejected(platform: Any, number: str) -> bool:
    """A rejected application's fee goes back through the shell's wallet, to the cash and points
    it was paid with (the application number is the payment's reference and the refund id is
    fixed, so a retry refunds once). When the shell cannot, the fee stays paid and staff refund
    it at the counter, as the resident's page says."""
    from machi_sdk import PlatformError

    app = await submission(number)
    if app["status"] != "rejected" or app["payment"] != "paid" or app["fee"] <= 0:
        return False
    try:
        await platform.refund_payment(number, app["fee"], f"{number}:rejected")
    except PlatformError:
        return False
    await ApplySubmission.update({ApplySubmission.payment: "refunded"}).where(
        (ApplySubmission.id == app["id"]) & (ApplySubmission.payment == "paid")
    )
    return True


async def mark_paid(number: str) -> bool:
    """The shell said the fee is paid: the application is received. Idempotent: True only the
    first time."""
    async with transaction():
        app = await submission(number)
        if app["payment"] != "pending" or app["status"] != "payment":
            return False
        moved = (
            await ApplySubmission.update(
                {
                    ApplySubmission.payment: "paid",
                    ApplySubmission.paid_at: now(),
                    ApplySubmission.status: "received",
                }
            )
            .where((ApplySubmission.id == app["id"]) & (ApplySubmission.status == "payment"))
            .returning(ApplySubmission.id)
        )
        if not moved:  # another request marked it paid a moment ago
            return False
        await _event(app["id"], "received", "", by_staff=False)
    return True


async def answer_correction(
    subject: str, number: str, raw: dict[str, Any], message: str
) -> dict[str, Any]:
    """The resident answers a correction request on the same application (same version). A
    change that would change the fee is refused: the counter settles that."""
    message = _message(message)
    async with transaction():
        app = await submission(number)
        if app["subject"] != subject:
            raise Refused("unknown_application")
        if app["status"] in CLOSED_STATUSES:
            raise Refused("closed")
        if app["status"] != "correction":
            raise Refused("no_correction")
        sch = (await version_by_id(app["version"]))["schema"]
        have = {
            a["field"]
            for a in await ApplyAttachment.select(ApplyAttachment.field).where(
                ApplyAttachment.submission == app["id"]
            )
        }
        merged = {
            **{
                k: str(v) if not isinstance(v, bool) else ("1" if v else "")
                for k, v in app["answers"].items()
            },
            **raw,
        }
        answers, errors = schema.validate(sch, merged, attachments=have)
        if errors:
            raise Refused("invalid", errors)
        if schema.fee_for(sch, answers) != app["fee"]:
            raise Refused("fee_changed")
        moved = (
            await ApplySubmission.update(
                {
                    ApplySubmission.answers: json.dumps(answers, ensure_ascii=False),
                    ApplySubmission.status: "in_review",
                }
            )
            .where((ApplySubmission.id == app["id"]) & (ApplySubmission.status == "correction"))
            .returning(ApplySubmission.id)
        )
        if not moved:  # answered twice at once, or staff moved it meanwhile
            raise Refused("no_correction")
        await _event(app["id"], "in_review", message, by_staff=False)
    return await submission(number)


# ---------------------------------------------------------------- the staff queue


async def queue(*, status: str = "", slug: str = "", assignee: str = "") -> list[dict[str, Any]]:
    query = ApplySubmission.select(
        ApplySubmission.number,
        ApplySubmission.status,
        ApplySubmission.fee,
        ApplySubmission.payment,
        ApplySubmission.submitted_at,
        ApplySubmission.assignee,
        ApplySubmission.assignee_label,
        ApplySubmission.form.slug.as_alias("form_slug"),
        ApplySubmission.form.title_ja.as_alias("title_ja"),
        ApplySubmission.form.title_en.as_alias("title_en"),
    )
    if status:
        query = query.where(ApplySubmission.status == status)
    else:
        query = query.where(ApplySubmission.status.is_in(list(OPEN_STATUSES)))
    if slug:
        query = query.where(ApplySubmission.form.slug == slug)
    if assignee:
        query = query.where(ApplySubmission.assignee == assignee)
    return await query.order_by(ApplySubmission.submitted_at).limit(200)


async def assign(number: str, staff_id: str, label: str) -> None:
    label = _message(label, 60)
    async with transaction():
        app = await submission(number)
        if app["status"] not in (*OPEN_STATUSES, "approved"):
            raise Refused("closed" if app["status"] in CLOSED_STATUSES else "not_received")
        values: dict[Any, Any] = {
            ApplySubmission.assignee: staff_id,
            ApplySubmission.assignee_label: label,
        }
        if app["status"] == "received":
            values[ApplySubmission.status] = "in_review"
            await _event(app["id"], "in_review", "", by_staff=True)
        await ApplySubmission.update(values).where(ApplySubmission.id == app["id"])


async def decide(
    number: str,
    status: str,
    message: str,
    *,
    document: bytes | None = None,
    document_name: str = "",
    by_post: bool = False,
    staff_id: str = "",
) -> dict[str, Any]:
    """Staff move an application on, with a message for the resident."""
    message = _message(message)
    async with transaction():
        app = await submission(number)
        if status not in STAFF_MOVES.get(app["status"], set()):
            raise Refused("bad_move")
        if status in NEEDS_MESSAGE and not message:
            raise Refused("needs_message")
        values: dict[Any, Any] = {ApplySubmission.status: status}
        if status in ("approved", "rejected"):
            values[ApplySubmission.decided_at] = now()
            values[ApplySubmission.result_message] = message
        if status == "completed":
            values[ApplySubmission.result_by_post] = by_post
            if message:
                values[ApplySubmission.result_message] = message
            if document is not None:
                try:
                    kind, stored = files.check(document, ("application/pdf",))
                except files.FileRefused as exc:
                    raise Refused(exc.reason) from None
                made = await ApplyAttachment.insert(
                    ApplyAttachment(
                        owner=staff_id,
                        submission=app["id"],
                        purpose="result",
                        name=_file_name(document_name or f"{number}.pdf"),
                        content_type=kind,
                        size=len(stored),
                        data=stored,
                        created_at=now(),
                    )
                ).returning(ApplyAttachment.id)
                values[ApplySubmission.result_document] = made[0]["id"]
        moved = (
            await ApplySubmission.update(values)
            .where((ApplySubmission.id == app["id"]) & (ApplySubmission.status == app["status"]))
            .returning(ApplySubmission.id)
        )
        if not moved:  # another staff member moved it a moment ago: nothing is recorded twice
            raise Refused("bad_move")
        await _event(app["id"], status, message, by_staff=True)
    return await submission(number)


async def attachments_of(submission_id: int) -> list[dict[str, Any]]:
    return (
        await ApplyAttachment.select(
            ApplyAttachment.id,
            ApplyAttachment.field,
            ApplyAttachment.name,
            ApplyAttachment.content_type,
            ApplyAttachment.size,
            ApplyAttachment.purpose,
        )
        .where(ApplyAttachment.submission == submission_id)
        .order_by(ApplyAttachment.id)
    )


async def attachment(attachment_id: int) -> dict[str, Any] | None:
    return await ApplyAttachment.select().where(ApplyAttachment.id == attachment_id).first()


async def record_counter(slug: str, month: str, count: int) -> None:
    """Applications of this procedure taken on paper at the counter in ``month`` (YYYY-MM), for
    the online share. The month's figure is replaced, not added to."""
    row = await form(slug)
    try:
        dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Refused("bad_month") from None
    if not 0 <= count <= 100_000:
        raise Refused("bad_count")
    async with transaction():
        await ApplyCounterTally.delete().where(
            (ApplyCounterTally.form == row["id"]) & (ApplyCounterTally.month == month)
        )
        await ApplyCounterTally.insert(
            ApplyCounterTally(form=row["id"], month=month, paper_count=count)
        )


async def kpis(months: int = 6) -> list[dict[str, Any]]:
    """Per month (oldest first): online applications, paper ones, the online share in percent,
    and the median days from submission to decision."""
    rows = await ApplySubmission.select(
        ApplySubmission.submitted_at, ApplySubmission.decided_at
    ).where(ApplySubmission.submitted_at.is_not_null())
    tallies = await ApplyCounterTally.select()
    first = today().replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        year, month = first.year, first.month - back
        while month <= 0:
            year, month = year - 1, month + 12
        key = f"{year:04d}-{month:02d}"
        online = [
            r for r in rows if (r["submitted_at"] + dt.timedelta(hours=9)).strftime("%Y-%m") == key
        ]
        paper = sum(tally["paper_count"] for tally in tallies if tally["month"] == key)
        days = sorted(
            (r["decided_at"] - r["submitted_at"]).total_seconds() / 86400
            for r in online
            if r["decided_at"]
        )
        median = days[len(days) // 2] if days else None
        total = len(online) + paper
        out.append(
            {
                "month": key,
                "online": len(online),
                "paper": paper,
                "share": round(100 * len(online) / total) if total else None,
                "median_days": round(median, 1) if median is not None else None,
            }
        )
    return out


async def export_rows(slug: str) -> tuple[list[str], list[list[str]]]:
    """Every sent application of a procedure as CSV rows for the back-office system: one column
    per field of any version (by key), the version each was filled against."""
    row = await form(slug)
    versions = {
        v["id"]: as_json(v["schema"])
        for v in await ApplyFormVersion.select()
        .where(ApplyFormVersion.form == row["id"])
        .order_by(ApplyFormVersion.version)
    }
    keys: list[str] = []
    for sch in versions.values():
        for f in sch["fields"]:
            if f["type"] not in ("section", "attachment") and f["key"] not in keys:
                keys.append(f["key"])
    header = ["number", "version", "status", "submitted_at", "fee", "payment", *keys]
    apps = (
        await ApplySubmission.select(
            *ApplySubmission.all_columns(), ApplySubmission.version.version.as_alias("vno")
        )
        .where((ApplySubmission.form == row["id"]) & (ApplySubmission.status != "draft"))
        .order_by(ApplySubmission.id)
    )
    out = []
    for app in apps:
        answers = as_json(app["answers"]) or {}
        out.append(
            [
                app["number"],
                str(app["vno"]),
                app["status"],
                app["submitted_at"].isoformat() if app["submitted_at"] else "",
                str(app["fee"]),
                app["payment"],
                *[_csv_cell(answers.get(k)) for k in keys],
            ]
        )
    return header, out


def _csv_cell(value: Any) -> str:
    text = "" if value is None else ("1" if value is True else str(value))
    # A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------- reports (通報)


async def file_report(
    subject: str,
    *,
    category: str,
    note: str,
    lat: float | None,
    lon: float | None,
    address: str,
    district: str,
    photo: bytes | None,
    photo_name: str = "",
    key: str,
    locale: str = "ja",
    photo_place: bool = False,
) -> dict[str, Any]:
    """File a report once per ``key`` (sending twice files one). The photo is checked and loses
    its metadata (GPS position included); the place is what the resident set: their location,
    which must be inside the city, or a district and an address."""
    if category not in REPORT_CATEGORIES:
        raise Refused("bad_category")
    note = _message(note, MAX_NOTE)
    address = _message(address, 200)
    if photo_place and lat is None:
        # the resident chose the photo's own position as the place (read, then stripped)
        found = files.jpeg_gps(photo) if photo else None
        if found is None:
            raise Refused("no_photo_place")
        lat, lon = found
    if lat is not None and lon is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not place.inside(lat, lon):
            raise Refused("outside")
        district = place.nearest_district(lat, lon)
    elif place.district(district) is None:
        raise Refused("no_place")
    else:
        lat = lon = None
        if not address:
            raise Refused("no_address")
    stored = kind = None
    if photo:
        try:
            kind, stored = files.check(photo, files.IMAGE_TYPES)
        except files.FileRefused as exc:
            raise Refused(exc.reason) from None
    if not key or len(key) > 60:
        raise Refused("bad_key")
    async with transaction():
        same = (
            await ApplyReport.select(ApplyReport.number)
            .where(ApplyReport.idempotency == f"{subject[:20]}:{key}"[:60])
            .first()
        )
        if same:
            return await report(same["number"])
        recent = await ApplyReport.count().where(
            (ApplyReport.subject == subject)
            & (ApplyReport.created_at > now() - dt.timedelta(days=1))
        )
        if recent >= MAX_REPORTS_A_DAY:
            raise Refused("too_many_reports")
        number = await _new_number("R", ApplyReport)
        made = await ApplyReport.insert(
            ApplyReport(
                number=number,
                subject=subject,
                category=category,
                note=note,
                lat=lat,
                lon=lon,
                address=address,
                district=district,
                status="open",
                created_at=now(),
                updated_at=now(),
                locale=locale,
                idempotency=f"{subject[:20]}:{key}"[:60],
            )
        ).returning(ApplyReport.id)
        if stored is not None and kind is not None:
            pic = await ApplyAttachment.insert(
                ApplyAttachment(
                    owner=subject,
                    report=made[0]["id"],
                    purpose="report",
                    name=_file_name(photo_name or "photo"),
                    content_type=kind,
                    size=len(stored),
                    data=stored,
                    created_at=now(),
                )
            ).returning(ApplyAttachment.id)
            await ApplyReport.update({ApplyReport.photo: pic[0]["id"]}).where(
                ApplyReport.id == made[0]["id"]
            )
        await ApplyReportEvent.insert(
            ApplyReportEvent(report=made[0]["id"], status="open", message="", at=now())
        )
    return await report(number)


async def report(number: str) -> dict[str, Any]:
    row = await ApplyReport.select().where(ApplyReport.number == number).first()
    if row is None:
        raise Refused("unknown_report")
    return row


async def report_history(report_id: int) -> list[dict[str, Any]]:
    return (
        await ApplyReportEvent.select()
        .where(ApplyReportEvent.report == report_id)
        .order_by(ApplyReportEvent.id)
    )


async def my_reports(subject: str) -> list[dict[str, Any]]:
    return (
        await ApplyReport.select()
        .where(ApplyReport.subject == subject)
        .order_by(ApplyReport.id, ascending=False)
    )


async def reports(
    *, category: str = "", district: str = "", status: str = "", open_only: bool = False
) -> list[dict[str, Any]]:
    query = ApplyReport.select()
    if category:
        query = query.where(ApplyReport.category == category)
    if district:
        query = query.where(ApplyReport.district == district)
    if status:
        query = query.where(ApplyReport.status == status)
    if open_only:
        query = query.where(ApplyReport.status != "closed")
    return await query.order_by(ApplyReport.id, ascending=False).limit(500)


async def reports_near(lat: float | None, lon: float | None, district: str) -> list[dict[str, Any]]:
    """Open reports nearest first (within 3 km of the resident's location), or those of their
    district. Only public facts: category, place, status; never who filed it."""
    rows = await reports(open_only=True)
    if lat is not None and lon is not None:
        near = []
        for r in rows:
            centre = (
                (r["lat"], r["lon"]) if r["lat"] is not None else place.centre_of(r["district"])
            )
            if centre is None:
                continue
            metres = place.distance_m(lat, lon, *centre)
            if metres <= 3000:
                near.append({**r, "metres": int(metres)})
        return sorted(near, key=lambda r: r["metres"])[:50]
    return [r for r in rows if r["district"] == district][:50]


async def update_report(
    number: str,
    status: str,
    message: str,
    *,
    assignee_label: str = "",
    photo: bytes | None = None,
    staff_id: str = "",
) -> dict[str, Any]:
    """Staff assign, reply to or close a report (closing may carry a photo of the repair)."""
    if status not in REPORT_STATUSES:
        raise Refused("bad_move")
    message = _message(message)
    assignee_label = _message(assignee_label, 60)
    stored = kind = None
    if photo:
        try:
            kind, stored = files.check(photo, files.IMAGE_TYPES)
        except files.FileRefused as exc:
            raise Refused(exc.reason) from None
    async with transaction():
        row = await report(number)
        if row["status"] == "closed":
            raise Refused("closed")
        if status == row["status"] and not message:
            raise Refused("needs_message")
        values: dict[Any, Any] = {ApplyReport.status: status, ApplyReport.updated_at: now()}
        if assignee_label:
            values[ApplyReport.assignee_label] = assignee_label
        if stored is not None and kind is not None:
            pic = await ApplyAttachment.insert(
                ApplyAttachment(
                    owner=staff_id,
                    report=row["id"],
                    purpose="closing",
                    name="closing",
                    content_type=kind,
                    size=len(stored),
                    data=stored,
                    created_at=now(),
                )
            ).returning(ApplyAttachment.id)
            values[ApplyReport.closing_photo] = pic[0]["id"]
        await ApplyReport.update(values).where(ApplyReport.id == row["id"])
        await ApplyReportEvent.insert(
            ApplyReportEvent(report=row["id"], status=status, message=message, at=now())
        )
    return await report(number)
