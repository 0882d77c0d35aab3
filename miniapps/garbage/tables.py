"""The garbage calendar's tables (prefixed ``garbage_``). Rules are stored, never expanded dates.

Residents are known only by the pairwise id the launch token gives (``subject``): no name, no
address. A large-item request keeps the items, the fee, the date and that id.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class GarbageSettings(Table, tablename="garbage_settings"):
    """One row: what this municipality does on public holidays and in pauses."""

    holiday_policy = Varchar(length=16, default="collect")  # collect | skip
    pause_policy = Varchar(length=16, default="drop")  # drop | shift_week


class GarbageCategory(Table, tablename="garbage_category"):
    label = Varchar(length=100, unique=True)
    sublabel = Varchar(length=100, default="")
    description = Text(default="")
    icon = Varchar(length=200, default="")
    color = Varchar(length=7, default="#666666")
    position = SmallInt(default=0)


class GarbageArea(Table, tablename="garbage_area"):
    master = Varchar(length=20, default="")  # マスター (the 区 it belongs to)
    master_name = Varchar(length=100, default="")
    name = Varchar(length=100, index=True)
    center = Varchar(length=100, default="")
    extra = JSON(default="{}")  # area_days.csv columns that are not categories
    position = Integer(default=0)


class GarbageRule(Table, tablename="garbage_rule"):
    area = ForeignKey(GarbageArea, null=False, index=True)
    category = ForeignKey(GarbageCategory, null=False)
    kind = Varchar(length=8)  # weekly | nth | date
    weekday = SmallInt(null=True, default=None)
    nth = SmallInt(null=True, default=None)
    months = Varchar(length=40, default="")  # "4 6 8" or "" for every month
    date = Date(null=True, default=None)
    added_by_staff = Boolean(default=False)


class GarbagePause(Table, tablename="garbage_pause"):
    center = Varchar(length=100, index=True)
    start = Date()
    end = Date()


class GarbageItem(Table, tablename="garbage_item"):
    """The sorting dictionary (分別辞典)."""

    category = ForeignKey(GarbageCategory, null=False)
    name = Varchar(length=200)
    notice = Text(default="")
    furigana = Varchar(length=100, default="")
    search_key = Text(default="")  # normalised name and notice (kana folded, NFKC)


class GarbageRemark(Table, tablename="garbage_remark"):
    key = Varchar(length=20, unique=True)
    text = Text()


class GarbageSubscription(Table, tablename="garbage_subscription"):
    """A resident's chosen area and reminders, by pairwise id."""

    subject = Varchar(length=200, unique=True)
    area = ForeignKey(GarbageArea, null=True, default=None)
    reminders = Boolean(default=False)
    timing = Varchar(length=8, default="evening")  # evening (the day before) | morning
    categories = JSON(default="[]")  # category ids to be reminded of
    locale = Varchar(length=16, default="ja")
    ical_token = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz()


class GarbageReminderSent(Table, tablename="garbage_reminder_sent"):
    """Each reminder sent once: the job may run again (at least once) without sending twice."""

    key = Varchar(length=240, unique=True)  # subject|date|timing: a second insert fails
    subject = Varchar(length=200)
    collection_date = Date()
    timing = Varchar(length=8)
    sent_at = Timestamptz()


class GarbageFee(Table, tablename="garbage_fee"):
    """The city's large-item fee table, edited by staff."""

    name = Varchar(length=100, unique=True)
    fee = Integer()  # yen
    active = Boolean(default=True)
    position = Integer(default=0)


class GarbageRequest(Table, tablename="garbage_request"):
    """A large-item collection request."""

    number = Varchar(length=20, unique=True)
    subject = Varchar(length=200, index=True)
    area = ForeignKey(GarbageArea, null=True, default=None)
    items = JSON(default="[]")  # [{"name", "fee", "quantity"}]
    total = Integer()
    collection_date = Date(index=True)
    status = Varchar(length=16, default="booked")  # booked | collected | cancelled
    payment = Varchar(length=24, default="at_collection")
    created_at = Timestamptz()
