"""The facility booking tables (prefixed ``booking_``).

Residents are known only by the pairwise id their launch token gives (``subject``). A booking
keeps that id, the facility, the slots, the fee and how it was paid: no name, no address.

No double booking: every booked slot is a row of :class:`BookingSlot` whose ``slot_key``
(``facility|date|HH:MM``) is UNIQUE. Two residents racing for one slot both try to insert the
same key in their transactions; the database lets exactly one commit. A cancelled slot's key is
set to NULL (several NULLs never collide), which frees the slot for first-come booking again.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Real,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class BookingSettings(Table, tablename="booking_settings"):
    """One row: the key that signs permit QR codes (made on first use, never shown)."""

    permit_key = Varchar(length=100)


class BookingFacility(Table, tablename="booking_facility"):
    """A bookable room, hall, court or field (one row per thing booked by the slot)."""

    name = Varchar(length=200)
    kana = Varchar(length=200, default="")
    kind = Varchar(length=40, default="room", index=True)  # room | hall | gym | court | field
    place = Varchar(length=200, default="")  # the building or park it belongs to
    address = Varchar(length=300, default="")
    latitude = Real(null=True, default=None)
    longitude = Real(null=True, default=None)
    phone = Varchar(length=40, default="")
    weekdays = Varchar(length=7, default="0123456")  # open days, Monday = 0
    opens = SmallInt(default=540)  # minutes after midnight, Asia/Tokyo
    closes = SmallInt(default=1260)
    slot_minutes = SmallInt(default=60)
    capacity = Integer(default=0)  # people; 0 = not stated
    equipment = Text(default="")
    accessibility = Text(default="")  # バリアフリー情報
    barrier_free = Boolean(default=False)
    rules = Text(default="")
    description = Text(default="")
    fee_resident = Integer(default=0)  # yen per slot
    fee_nonresident = Integer(default=0)
    discount_percent = SmallInt(default=0)  # 減免 for the bands below
    discount_bands = Varchar(length=100, default="70s 80s 90s 100s")
    cancel_free_days = SmallInt(default=7)  # full refund up to this many days before
    cancel_late_percent = SmallInt(default=50)  # refund after that, until the day before
    approval = Boolean(default=False)  # bookings wait for a manager's approval
    lock_id = Varchar(length=100, default="")  # smart lock; "" = key from the office
    lock_timezone = Varchar(length=40, default="Asia/Tokyo")
    source_key = Varchar(length=300, null=True, default=None, unique=True)  # name|address (import)
    active = Boolean(default=True)


class BookingPhoto(Table, tablename="booking_photo"):
    """A facility's photo (public: served without a token, never anything personal)."""

    facility = ForeignKey(BookingFacility, null=False, index=True)
    caption = Varchar(length=200)  # the alt text
    content_type = Varchar(length=20)
    data = Bytea()
    position = Integer(default=0)


class BookingBlackout(Table, tablename="booking_blackout"):
    """Days a facility cannot be booked (maintenance, city events)."""

    facility = ForeignKey(BookingFacility, null=False, index=True)
    start = Date()
    end = Date()
    reason = Varchar(length=200, default="")


class BookingOrder(Table, tablename="booking_order"):
    """One booking: one or several slots of one facility on one day, paid together."""

    number = Varchar(length=24, unique=True)
    subject = Varchar(length=200, index=True)
    facility = ForeignKey(BookingFacility, null=False, index=True)
    day = Date(index=True)
    starts = Integer()  # first slot, minutes after midnight
    ends = Integer()
    people = Integer(default=1)
    purpose = Varchar(length=200, default="")
    rate = Varchar(length=16, default="resident")  # resident | nonresident
    discount = SmallInt(default=0)  # percent applied
    amount = Integer()  # yen
    # requested (awaiting approval) | booked | cancelled | refused | released (unpaid lottery win)
    status = Varchar(length=16, default="booked", index=True)
    # unpaid | wallet_pending | paid | free | at_counter | refund_due | refunded
    payment = Varchar(length=16, default="unpaid")
    pay_by = Timestamptz(null=True, default=None)  # lottery wins: paid by then or released
    refund = Integer(default=0)
    reason = Varchar(length=300, default="")  # a refusal's reason
    channel = Varchar(length=16, default="online")  # online | counter | lottery
    locale = Varchar(length=16, default="ja")
    checked_in_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class BookingSlot(Table, tablename="booking_slot"):
    """One slot of a booking. ``slot_key`` UNIQUE is what makes double booking impossible."""

    order = ForeignKey(BookingOrder, null=False, index=True)
    facility = ForeignKey(BookingFacility, null=False, index=True)
    day = Date(index=True)
    starts = Integer()
    slot_key = Varchar(length=60, null=True, default=None, unique=True)


class BookingDoorCode(Table, tablename="booking_door_code"):
    """A one-time door code for a booking's window (the local lock checks these)."""

    order = ForeignKey(BookingOrder, null=False, unique=True)
    lock_id = Varchar(length=100)
    pin = Varchar(length=12)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    remote_ref = Varchar(length=100, default="")
    revoked = Boolean(default=False)


class BookingLottery(Table, tablename="booking_lottery"):
    """Contested slots of a facility between two dates, given by a seeded draw.

    ``seed_hash`` (SHA-256 of the seed) is shown while entries are open; the seed itself only
    after the draw, so anyone can check the draw was neither chosen nor changed afterwards.
    """

    facility = ForeignKey(BookingFacility, null=False, index=True)
    first_day = Date()
    last_day = Date()
    apply_until = Timestamptz()
    pay_days = SmallInt(default=7)
    seed = Varchar(length=64)
    seed_hash = Varchar(length=64)
    status = Varchar(length=16, default="open")  # open | drawn
    drawn_at = Timestamptz(null=True, default=None)
    results = JSON(default="[]")  # the published draw: [{"entry", "key", "won"}]
    taken = JSON(default="[]")  # slots already booked when it was drawn (given to no one)


class BookingEntry(Table, tablename="booking_entry"):
    """One application to a lottery; ``entry_key`` (lottery|subject) UNIQUE: one per resident, and
    the unique index ``booking_entry_household`` on (lottery, household): one per household."""

    lottery = ForeignKey(BookingLottery, null=False, index=True)
    subject = Varchar(length=200)
    # The shell's pairwise household id (resident.household); NULL only for entries made before
    # households existed (NULLs never collide in the unique index).
    household = Varchar(length=64, null=True, default=None)
    entry_key = Varchar(length=260, unique=True)
    choices = JSON(default="[]")  # ranked ["YYYY-MM-DD HH:MM", ...]
    people = Integer(default=1)
    claims = JSON(default="{}")  # only resident.verified and profile.age_band, for the fee
    locale = Varchar(length=16, default="ja")
    result = Varchar(length=16, default="pending")  # pending | won | lost
    won = Varchar(length=20, default="")
    order_number = Varchar(length=24, default="")
    notified = Boolean(default=False)
    created_at = Timestamptz()


class BookingAudit(Table, tablename="booking_audit"):
    """What staff and the draw did, in order (draws, approvals, check-ins, releases)."""

    at = Timestamptz()
    actor = Varchar(length=200)  # a staff member's pairwise id, or "system"
    action = Varchar(length=60)
    subject = Varchar(length=100)
    detail = JSON(default="{}")
