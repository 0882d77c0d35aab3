"""The applications and reports tables (prefixed ``apply_``).

Residents are known only by the pairwise id of their launch token (``subject``). An application
keeps the answers the resident typed for that procedure, nothing more; a My Number is never asked
for and refused in free text. Status changes are rows appended to ``apply_event`` and
``apply_report_event``, never edited.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    Float,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class ApplyForm(Table, tablename="apply_form"):
    """A procedure (手続き): its published versions are in ``ApplyFormVersion``; ``draft`` is the
    schema staff are editing, which residents never see until it is published."""

    slug = Varchar(length=40, unique=True)
    title_ja = Varchar(length=100)
    title_en = Varchar(length=100, default="")
    summary_ja = Text(default="")
    summary_en = Text(default="")
    keywords = Text(default="")  # plain words residents search with: 住民票 写し 引っ越し
    draft = JSON(default="{}")
    current_version = Integer(default=0)  # 0: never published
    opens = Date(null=True, default=None)
    closes = Date(null=True, default=None)
    withdrawn = Boolean(default=False)
    updated_at = Timestamptz()


class ApplyFormVersion(Table, tablename="apply_form_version"):
    """A published schema, frozen: a submission points at the version it was filled against."""

    form = ForeignKey(ApplyForm, null=False, index=True)
    version = Integer()
    schema = JSON(default="{}")
    published_at = Timestamptz()


class ApplySubmission(Table, tablename="apply_submission"):
    number = Varchar(length=20, unique=True)  # the reference number residents quote
    form = ForeignKey(ApplyForm, null=False, index=True)
    version = ForeignKey(ApplyFormVersion, null=False)
    subject = Varchar(length=100, index=True)
    answers = JSON(default="{}")
    status = Varchar(length=16, default="draft", index=True)
    fee = Integer(default=0)
    payment = Varchar(length=16, default="none")  # none | pending | paid | refunded
    paid_at = Timestamptz(null=True, default=None)
    assignee = Varchar(length=100, default="")  # the staff member's pairwise id
    assignee_label = Varchar(length=60, default="")
    channel = Varchar(length=16, default="online")  # online | counter (KPI: online share)
    locale = Varchar(length=16, default="ja")
    created_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    result_message = Text(default="")
    result_document = Integer(null=True, default=None)  # ApplyAttachment id
    result_by_post = Boolean(default=False)


class ApplyEvent(Table, tablename="apply_event"):
    """Append-only history of an application: each status with its message."""

    submission = ForeignKey(ApplySubmission, null=False, index=True)
    status = Varchar(length=16)
    message = Text(default="")
    by_staff = Boolean(default=False)
    at = Timestamptz()


class ApplyAttachment(Table, tablename="apply_attachment"):
    """A file a resident (or staff) sent: checked for size and type, images without location."""

    owner = Varchar(length=100, index=True)  # pairwise id of who uploaded it
    submission = Integer(null=True, default=None, index=True)
    report = Integer(null=True, default=None, index=True)
    purpose = Varchar(length=16, default="answer")  # answer | report | closing | result
    field = Varchar(length=40, default="")
    name = Varchar(length=120)
    content_type = Varchar(length=40)
    size = Integer()
    data = Bytea()
    created_at = Timestamptz()


class ApplyReport(Table, tablename="apply_report"):
    """A resident's report (通報), in the Open311 GeoReport v2 shape."""

    number = Varchar(length=20, unique=True)
    subject = Varchar(length=100, index=True)
    category = Varchar(length=20, index=True)
    note = Text(default="")
    lat = Float(null=True, default=None)
    lon = Float(null=True, default=None)
    address = Varchar(length=200, default="")
    district = Varchar(length=40, default="", index=True)
    status = Varchar(length=16, default="open", index=True)  # open | assigned | closed
    assignee_label = Varchar(length=60, default="")
    photo = Integer(null=True, default=None)
    closing_photo = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    idempotency = Varchar(length=60, unique=True)  # one report per send, even if sent twice
    locale = Varchar(length=16, default="ja")


class ApplyReportEvent(Table, tablename="apply_report_event"):
    report = ForeignKey(ApplyReport, null=False, index=True)
    status = Varchar(length=16)
    message = Text(default="")
    at = Timestamptz()


class ApplyCounterTally(Table, tablename="apply_counter_tally"):
    """Paper applications taken at the counter per procedure and month (for the online share)."""

    form = ForeignKey(ApplyForm, null=False, index=True)
    month = Varchar(length=7)  # YYYY-MM
    paper_count = Integer(default=0)  # not "count": a column of that name hides Table.count()


class ApplyReminder(Table, tablename="apply_reminder"):
    """A reminder sent (one per correction request or unpaid application): never sent twice."""

    key = Varchar(length=80, unique=True)
    subject = Varchar(length=100)
    sent_at = Timestamptz()
