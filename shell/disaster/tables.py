"""Disaster mode history, shelters, safety checks and their answers, imported JMA reports.

Nothing here is ever deleted: the mode's history and the JMA reports are the record of what the
city was told and did. A safety answer holds only what helps: safe or not, where, how many.
"""

from piccolo.columns import JSONB, Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class JmaReport(Table, tablename="disaster_jma_report"):
    """One imported JMA warning document, with what it said for this municipality."""

    digest = Varchar(length=64, unique=True)  # sha256 of the document: importing twice is a no-op
    source = Varchar(length=500, default="")
    title = Varchar(length=200, default="")  # Head/Title, e.g. 佐賀県気象警報・注意報
    status = Varchar(length=16, default="")  # Control/Status: 通常, 訓練, 試験
    info_type = Varchar(length=16, default="")  # 発表, 訂正, 取消
    office = Varchar(length=100, default="")  # Control/EditorialOffice
    reported_at = Timestamptz(null=True, default=None)  # Head/ReportDateTime
    area_code = Varchar(length=16, default="")
    area_name = Varchar(length=100, default="")
    kinds = JSONB(default=[])  # this municipality's kinds: name, code, status, level, hazard, ...
    decision = Varchar(length=32, default="")
    imported_at = Timestamptz(default=TimestamptzNow())


class ModeChange(Table, tablename="disaster_mode_change"):
    """Disaster mode switched on or off; the latest row per municipality is the current state."""

    municipality_code = Varchar(length=16, index=True)
    active = Boolean()
    reason = Varchar(length=500, default="")
    source = Varchar(length=8)  # staff | jma
    actor = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    report = ForeignKey(JmaReport, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    created_at = Timestamptz(default=TimestamptzNow())


class Shelter(Table, tablename="disaster_shelter"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    address = Varchar(length=300, default="")
    map_url = Varchar(length=500, default="")
    capacity = Integer(default=0)
    is_open = Boolean(default=False)
    position = Integer(default=0)


class SafetyCheck(Table, tablename="disaster_safety_check"):
    title = Varchar(length=200)
    started_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    started_at = Timestamptz(default=TimestamptzNow())
    closed_at = Timestamptz(null=True, default=None)


class SafetyAnswer(Table, tablename="disaster_safety_answer"):
    """One resident's answer to one check; answering again updates it (``key`` keeps it one)."""

    key = Varchar(length=64, unique=True)  # "<check id>:<account id>"
    safety_check = ForeignKey(SafetyCheck, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    status = Varchar(length=16)  # safe | need_help
    place = Varchar(length=32, default="")  # home | shelter | relatives | car | other
    shelter = ForeignKey(Shelter, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    household = Integer(null=True, default=None)
    answered_at = Timestamptz(default=TimestamptzNow())  # the first answer
    updated_at = Timestamptz(default=TimestamptzNow())  # the latest change
