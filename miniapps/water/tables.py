"""The water app's tables (prefixed ``water_``).

An account is known by its customer number (お客さま番号) and the hash of the verification code
printed on the bill; no name or address is stored. Residents are known only by the pairwise id
of their launch token (``subject``).
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, SmallInt, Timestamptz, Varchar
from piccolo.table import Table


class WaterAccount(Table, tablename="water_account"):
    customer_number = Varchar(length=32, unique=True)
    code_hash = Varchar(length=64)  # sha256 of "number:code", never the code itself
    meter_mm = SmallInt(default=13)
    sewerage = Boolean(default=True)


class WaterBill(Table, tablename="water_bill"):
    """One bill as the billing system exported it, with the engine's check."""

    key = Varchar(length=80, unique=True)  # customer number|reading date
    account = ForeignKey(WaterAccount, null=False, index=True)
    previous_date = Date()
    reading_date = Date(index=True)
    previous_reading = Integer()
    current_reading = Integer()
    meter_changed = Boolean(default=False)
    m3 = Integer()
    months = SmallInt(default=2)
    water_charge = Integer()  # before tax
    sewerage_charge = Integer()  # before tax
    tax = Integer()
    total = Integer()
    due_date = Date()
    paid = Boolean(default=False)
    expected_total = Integer()  # what the tariff engine computes
    posted_at = Timestamptz()


class WaterLink(Table, tablename="water_link"):
    """A resident's linked account (several per resident: home, a parent's house)."""

    key = Varchar(length=240, unique=True)  # subject|account id
    subject = Varchar(length=200, index=True)
    account = ForeignKey(WaterAccount, null=False, index=True)
    label = Varchar(length=40, default="")
    locale = Varchar(length=16, default="ja")
    created_at = Timestamptz()


class WaterLinkAttempt(Table, tablename="water_link_attempt"):
    """Every failed link attempt, to stop guessing (per resident and per customer number)."""

    subject = Varchar(length=200, index=True)
    customer_number = Varchar(length=32, index=True)
    at = Timestamptz()


class WaterNotice(Table, tablename="water_notice"):
    """Each notice sent once: the job may run twice without sending twice."""

    key = Varchar(length=240, unique=True)  # kind|subject|bill id
    subject = Varchar(length=200)
    kind = Varchar(length=16)  # bill | leak
    sent_at = Timestamptz()


class WaterLookupDay(Table, tablename="water_lookup_day"):
    """A resident looked at an account's bills on a day: one inquiry the waterworks did not
    have to answer by phone (the "calls saved" KPI counts each once)."""

    key = Varchar(length=240, unique=True)  # subject|account id|day
    day = Date()


class WaterImportRun(Table, tablename="water_import_run"):
    """Each import, kept for staff: the file, how many rows, and every bad row."""

    file_name = Varchar(length=200)
    ok = Boolean()
    rows = Integer(default=0)
    problems = JSON(default="[]")
    flagged = JSON(default="[]")  # bills whose amounts disagree with the tariff engine
    at = Timestamptz()
