"""The handbook's tables. Health data stays here, keyed by the guardians' pairwise ids; nothing of
it goes to the shell. Every resident entry carries a ``client_key`` (made on the device) so an
entry sent twice, e.g. synced again after being made offline, is stored once."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class HandbookPregnancy(Table, tablename="handbook_pregnancy"):
    owner = Varchar(length=100, index=True)  # the mother's pairwise id
    due_date = Date(null=True, default=None)
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class HandbookPregnancyCheckup(Table, tablename="handbook_pregnancy_checkup"):
    pregnancy = ForeignKey(HandbookPregnancy, null=False)
    client_key = Varchar(length=80, unique=True)
    day = Date()
    week = Integer(null=True, default=None)  # weeks of pregnancy
    weight_kg = Numeric(digits=(5, 1), null=True, default=None)
    blood_pressure = Varchar(length=20, default="")
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class HandbookChild(Table, tablename="handbook_child"):
    name = Varchar(length=60)  # what the family calls the child; no other identifier
    sex = Varchar(length=1)  # "M" | "F": the growth standards differ
    birth_date = Date()
    birth_weight_g = Integer(null=True, default=None)
    birth_length_cm = Numeric(digits=(4, 1), null=True, default=None)
    gestation_weeks = Integer(null=True, default=None)
    created_by = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())


class HandbookGuardian(Table, tablename="handbook_guardian"):
    """Who may see a child's records: only the guardians named here."""

    child = ForeignKey(HandbookChild, null=False, index=True)
    subject = Varchar(length=100, index=True)
    key = Varchar(length=220, unique=True)  # child|subject
    locale = Varchar(length=20, default="ja")
    added_at = Timestamptz(default=TimestamptzNow())


class HandbookInvite(Table, tablename="handbook_invite"):
    """A one-time code a guardian gives a second guardian to share the child."""

    child = ForeignKey(HandbookChild, null=False)
    code = Varchar(length=12, unique=True)
    created_by = Varchar(length=100)
    expires_at = Timestamptz()
    used_by = Varchar(length=100, null=True, default=None)


class HandbookRecord(Table, tablename="handbook_record"):
    """One entry in a child's handbook: a checkup (1 month, 3-4 months, 1y6m, 3y), a growth
    measurement, an illness or a milestone. Height and weight of any kind go on the chart."""

    child = ForeignKey(HandbookChild, null=False, index=True)
    client_key = Varchar(length=80, unique=True)
    kind = Varchar(length=20)  # checkup | measurement | illness | milestone
    stage = Varchar(length=20, default="")  # checkup: 1m | 3_4m | 1y6m | 3y
    day = Date()
    height_cm = Numeric(digits=(5, 1), null=True, default=None)
    weight_kg = Numeric(digits=(5, 2), null=True, default=None)
    head_cm = Numeric(digits=(4, 1), null=True, default=None)
    title = Varchar(length=200, default="")  # illness name, milestone
    notes = Text(default="")
    author = Varchar(length=100)
    created_at = Timestamptz(default=TimestamptzNow())


class HandbookDose(Table, tablename="handbook_dose"):
    """A vaccination given. ``flag`` keeps what the plan said when it was recorded."""

    child = ForeignKey(HandbookChild, null=False, index=True)
    key = Varchar(length=120, unique=True)  # child|vaccine|dose
    client_key = Varchar(length=80, unique=True)
    vaccine = Varchar(length=30)
    dose = Integer()
    given_on = Date()
    flag = Varchar(length=20, default="")
    author = Varchar(length=100)


class HandbookSlot(Table, tablename="handbook_slot"):
    """An interview time the health centre offers; one family per slot."""

    starts_at = Timestamptz()
    minutes = Integer(default=30)
    place = Varchar(length=100)
    created_by = Varchar(length=100)
    is_open = Boolean(default=True)


class HandbookQuestionnaire(Table, tablename="handbook_questionnaire"):
    """The pre-interview questionnaire (伴走型相談支援の事前アンケート), one per person and
    stage."""

    owner = Varchar(length=100, index=True)
    key = Varchar(length=140, unique=True)  # owner|stage
    stage = Varchar(length=20)  # pregnancy | after_birth | eight_months
    answers = JSON(default="{}")
    submitted_at = Timestamptz(default=TimestamptzNow())


class HandbookInterview(Table, tablename="handbook_interview"):
    """A booked interview. ``slot`` is unique: the database itself refuses a second booking of a
    slot, on SQLite and PostgreSQL alike, however many arrive at once."""

    owner = Varchar(length=100, index=True)
    slot = ForeignKey(HandbookSlot, null=True, default=None, unique=True)
    questionnaire = ForeignKey(HandbookQuestionnaire, null=True, default=None)
    status = Varchar(length=20, default="booked")  # booked | done | cancelled
    starts_at = Timestamptz()  # kept when cancelled (the slot is let go)
    place = Varchar(length=100, default="")
    staff_notes = Text(default="")
    locale = Varchar(length=20, default="ja")
    booked_at = Timestamptz(default=TimestamptzNow())


class HandbookNotice(Table, tablename="handbook_notice"):
    """Each reminder or piece of information sent, under a unique key: sent once."""

    key = Varchar(length=200, unique=True)
    subject = Varchar(length=100)
    sent_at = Timestamptz()


class HandbookExportLayout(Table, tablename="handbook_export_layout"):
    """The column layout of a CSV export, as the city's health-management system reads it."""

    kind = Varchar(length=20, unique=True)  # questionnaires | interviews
    columns = JSON(default="[]")  # [{"header": "...", "field": "..."}]
    updated_by = Varchar(length=100, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
