"""Changing bookings. Every action checks its input first and changes nothing when it refuses
(:class:`Refused`, with a key the routes translate). Each one is one transaction."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from machi_sdk import write_transaction

from . import lottery as draws
from . import queries, rules
from .locks import DoorCode, SmartLock, configured_lock
from .tables import (
    BookingAudit,
    BookingBlackout,
    BookingDoorCode,
    BookingEntry,
    BookingFacility,
    BookingLottery,
    BookingOrder,
    BookingPhoto,
    BookingSlot,
)

log = logging.getLogger(__name__)
MAX_CHOICES = 3
#: A draw still "drawing" after this is taken over (its worker died).
STALE_DRAW = dt.timedelta(minutes=10)
CONFIRMED = ("paid", "free")  # a door code only for these


class Refused(Exception):
    """An action refused; ``reason`` is a short key the routes turn into a message."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def is_unique_violation(exc: BaseException) -> bool:
    """SQLite's IntegrityError or asyncpg's UniqueViolationError on a UNIQUE column."""
    name = type(exc).__name__
    text = str(exc).lower()
    return name == "UniqueViolationError" or (name == "IntegrityError" and "unique" in text)


def transaction() -> Any:
    """A write transaction; on SQLite ``BEGIN IMMEDIATE`` so racing writers queue, not fail."""
    return write_transaction(BookingOrder)


async def audit(actor: str, action: str, subject: str, detail: Mapping[str, Any] | None = None):
    await BookingAudit.insert(
        BookingAudit(
            at=rules.now(),
            actor=actor,
            action=action,
            subject=subject,
            detail=json.dumps(dict(detail or {}), ensure_ascii=False),
        )
    )


def _number(day: dt.date) -> str:
    return f"B{day:%y%m%d}-{secrets.token_hex(3).upper()}"


async def _facility(facility_id: int) -> dict[str, Any]:
    row = await queries.facility(facility_id)
    if row is None or not row["active"]:
        raise Refused("unknown_facility")
    return row


async def _check_slots(
    row: dict[str, Any], day: dt.date, starts: Sequence[int], now: dt.datetime, *, lottery: bool
) -> list[int]:
    chosen = sorted(set(starts))
    if not chosen:
        raise Refused("no_slot")
    if len(chosen) > rules.MAX_SLOTS:
        raise Refused("too_many_slots")
    today = now.astimezone(rules.JST).date()
    if day < today or rules.starts_at(day, chosen[0]) <= now:
        raise Refused("past")
    if day > today + dt.timedelta(days=rules.BOOKING_HORIZON_DAYS):
        raise Refused("too_far")
    if not rules.is_open_day(row, day, await queries.blackouts(row["id"])):
        raise Refused("closed_day")
    offered = rules.slot_starts(row)
    if any(s not in offered for s in chosen):
        raise Refused("outside_hours")
    step = int(row["slot_minutes"])
    if any(b - a != step for a, b in itertools.pairwise(chosen)):
        raise Refused("not_consecutive")
    if not lottery:
        for lot in await queries.open_lottery_days(row["id"]):
            if lot["first_day"] <= day <= lot["last_day"]:
                raise Refused("lottery_slot")
    return chosen


async def book(
    subject: str,
    facility_id: int,
    day: dt.date,
    starts: Sequence[int],
    *,
    claims: Mapping[str, Any],
    people: int = 1,
    purpose: str = "",
    channel: str = "online",
    locale: str = "ja",
    now: dt.datetime | None = None,
    _lottery: bool = False,
    pay_by: dt.datetime | None = None,
) -> dict[str, Any]:
    """Book consecutive slots of one facility on one day, all or none. The slots are claimed by
    UNIQUE keys inside one transaction: of two residents racing for a slot exactly one commits;
    the other gets ``Refused("taken")`` and nothing of theirs is stored."""
    now = now or rules.now()
    row = await _facility(facility_id)
    chosen = await _check_slots(row, day, starts, now, lottery=_lottery)
    if people < 1:
        raise Refused("bad_people")
    if row["capacity"] and people > row["capacity"]:
        raise Refused("over_capacity")
    rate = rules.rate_for(claims)
    discount = rules.discount_for(row, claims)
    amount = rules.fee(row, len(chosen), rate, discount)
    number = _number(day)
    status = "requested" if row["approval"] and channel == "online" else "booked"
    try:
        async with transaction():
            made = await BookingOrder.insert(
                BookingOrder(
                    number=number,
                    subject=subject,
                    facility=facility_id,
                    day=day,
                    starts=chosen[0],
                    ends=chosen[-1] + int(row["slot_minutes"]),
                    people=people,
                    purpose=purpose.strip()[:200],
                    rate=rate,
                    discount=discount,
                    amount=amount,
                    status=status,
                    payment="free" if amount == 0 else "unpaid",
                    pay_by=pay_by,
                    channel=channel,
                    locale=locale,
                    created_at=now,
                )
            ).returning(BookingOrder.id)
            await BookingSlot.insert(
                *[
                    BookingSlot(
                        order=made[0]["id"],
                        facility=facility_id,
                        day=day,
                        starts=s,
                        slot_key=rules.slot_key(facility_id, day, s),
                    )
                    for s in chosen
                ]
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Refused("taken") from None
        raise
    found = await queries.order(number)
    assert found is not None
    if status == "booked" and found["payment"] == "free":
        await confirm(number)
    return found


async def set_payment(subject: str | None, number: str, payment: str) -> bool:
    """Record how booking ``number`` is paid (only the resident's own when ``subject`` is given).
    ``paid`` is recorded only when the shell said so; then the door code is made."""
    if payment not in ("unpaid", "wallet_pending", "paid", "at_counter"):
        raise ValueError(payment)
    where = BookingOrder.number == number
    if subject is not None:
        where = where & (BookingOrder.subject == subject)
    changed = (
        await BookingOrder.update({BookingOrder.payment: payment})
        .where(where & BookingOrder.payment.is_in(["unpaid", "wallet_pending", "at_counter"]))
        .returning(BookingOrder.id)
    )
    if changed and payment == "paid":
        # Paid for a booking no longer held (released after its deadline, cancelled meanwhile):
        # the money is owed back in full; never a booking without its slot.
        await BookingOrder.update({
            BookingOrder.payment: "refund_due", BookingOrder.refund: BookingOrder.amount,
        }).where(
            (BookingOrder.id == changed[0]["id"])
            & BookingOrder.status.not_in(["booked", "requested"])
        )  # fmt: skip
    if changed and payment in CONFIRMED:
        await confirm(number)
    return bool(changed)


async def confirm(number: str, lock: SmartLock | None = None) -> dict[str, Any] | None:
    """A confirmed booking (booked and paid, free or to be paid at the counter) gets its door
    code when the facility has a smart lock; once only."""
    found = await queries.order(number)
    if found is None or found["status"] != "booked" or found["payment"] not in CONFIRMED:
        return None
    row = await queries.facility(found["facility"])
    if row is None or not row["lock_id"]:
        return None
    existing = await queries.door_code(found["id"])
    if existing:
        return existing
    lock = lock or configured_lock()
    try:
        code = await lock.issue(
            row["lock_id"],
            number,
            rules.starts_at(found["day"], found["starts"]),
            rules.starts_at(found["day"], found["ends"]),
            row["lock_timezone"],
        )
    except Exception:  # the lock service is down: the booking stands, the code comes later
        log.warning("door code for %s not issued now; tried again when the booking is shown",
                    number, exc_info=True)  # fmt: skip
        return None
    try:
        await BookingDoorCode.insert(
            BookingDoorCode(
                order=found["id"],
                lock_id=row["lock_id"],
                pin=code.pin,
                starts_at=code.starts_at,
                ends_at=code.ends_at,
                remote_ref=code.ref,
            )
        )
    except Exception as exc:
        if not is_unique_violation(exc):  # a second confirm at the same moment made it first
            raise
        await lock.revoke(row["lock_id"], code)
    return await queries.door_code(found["id"])


async def _release(order_id: int) -> None:
    await BookingSlot.update({BookingSlot.slot_key: None}).where(BookingSlot.order == order_id)


async def _revoke_code(order: Mapping[str, Any], lock: SmartLock | None = None) -> None:
    code = await queries.door_code(order["id"])
    if code:
        lock = lock or configured_lock()
        await lock.revoke(
            code["lock_id"],
            DoorCode(code["pin"], code["starts_at"], code["ends_at"], code["remote_ref"]),
        )
        await BookingDoorCode.update({BookingDoorCode.revoked: True}).where(
            BookingDoorCode.id == code["id"]
        )


async def cancel(subject: str, number: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Cancel under the facility's policy: a full refund up to ``cancel_free_days`` before, then
    ``cancel_late_percent``; not on the day. The slots are free again at once."""
    now = now or rules.now()
    found = await queries.order(number)
    if found is None or found["subject"] != subject:
        raise Refused("unknown_booking")
    if found["status"] not in ("booked", "requested"):
        raise Refused("not_cancellable")
    row = await queries.facility(found["facility"])
    assert row is not None
    paid = found["payment"] == "paid"
    refund = rules.refund_for(
        row, found["amount"] if paid else 0, found["day"], now.astimezone(rules.JST).date()
    )
    if refund is None:
        raise Refused("too_late_to_cancel")
    async with transaction():
        changed = (
            await BookingOrder.update(
                {
                    BookingOrder.status: "cancelled",
                    BookingOrder.refund: refund,
                    BookingOrder.payment: "refund_due" if refund else found["payment"],
                }
            )
            .where(
                (BookingOrder.id == found["id"])
                & BookingOrder.status.is_in(["booked", "requested"])
            )
            .returning(BookingOrder.id)
        )
        if not changed:
            raise Refused("not_cancellable")
        await _release(found["id"])
    await _revoke_code(found)
    result = await queries.order(number)
    assert result is not None
    return result


async def refund_owed(platform: Any, number: str) -> bool:
    """Give back what a booking owes (``refund_due``) through the shell's wallet, to the cash and
    points it was paid with; the booking number is the payment's reference and the refund's id is
    fixed, so a retry refunds once. A fee paid at the counter is not in the wallet: it stays
    ``refund_due`` for staff to pay back there (and to record)."""
    from machi_sdk import PlatformError

    found = await queries.order(number)
    if found is None or found["payment"] != "refund_due" or not found["refund"]:
        return False
    try:
        await platform.refund_payment(number, found["refund"], f"{number}:refund")
    except PlatformError as exc:
        log.info("booking %s: not refunded through the wallet (%s)", number, exc.code)
        return False
    await BookingOrder.update({BookingOrder.payment: "refunded"}).where(
        (BookingOrder.id == found["id"]) & (BookingOrder.payment == "refund_due")
    )
    return True


async def decide(number: str, *, approve: bool, reason: str, actor: str) -> dict[str, Any]:
    """A manager approves a requested booking, or refuses it with a reason (slots freed)."""
    found = await queries.order(number)
    if found is None:
        raise Refused("unknown_booking")
    if found["status"] != "requested":
        raise Refused("not_requested")
    reason = reason.strip()
    if not approve and not reason:
        raise Refused("reason_needed")
    async with transaction():
        await BookingOrder.update(
            {
                BookingOrder.status: "booked" if approve else "refused",
                BookingOrder.reason: reason[:300],
            }
        ).where(BookingOrder.id == found["id"])
        if not approve:
            await _release(found["id"])
        await audit(
            actor, "booking.approve" if approve else "booking.refuse", number, {"reason": reason}
        )
    if approve:
        await confirm(number)
    result = await queries.order(number)
    assert result is not None
    return result


async def staff_payment(number: str, what: str, actor: str) -> None:
    """Staff record money taken at the counter (``paid``) or a refund paid back (``refunded``)."""
    found = await queries.order(number)
    if found is None:
        raise Refused("unknown_booking")
    if what == "paid" and found["payment"] in ("unpaid", "at_counter", "wallet_pending"):
        await BookingOrder.update({BookingOrder.payment: "paid"}).where(
            BookingOrder.id == found["id"]
        )
        await confirm(number)
    elif what == "refunded" and found["payment"] == "refund_due":
        await BookingOrder.update({BookingOrder.payment: "refunded"}).where(
            BookingOrder.id == found["id"]
        )
    else:
        raise Refused("bad_payment_change")
    await audit(actor, f"booking.{what}", number)


async def check_in(qr: str, actor: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """A manager scans the permit QR: a real permit of a booking for today, checked in once."""
    from .permit import verify

    now = now or rules.now()
    number = await verify(qr)
    if number is None:
        raise Refused("forged_permit")
    found = await queries.order(number)
    if found is None or found["status"] != "booked":
        raise Refused("permit_not_valid")
    if found["day"] != now.astimezone(rules.JST).date():
        raise Refused("not_today")
    if found["checked_in_at"] is None:
        await BookingOrder.update({BookingOrder.checked_in_at: now}).where(
            BookingOrder.id == found["id"]
        )
        await audit(actor, "booking.check_in", number)
    result = await queries.order(number)
    assert result is not None
    return result


FACILITY_FIELDS = {
    "name": str,
    "kana": str,
    "kind": str,
    "place": str,
    "address": str,
    "phone": str,
    "weekdays": str,
    "opens": int,
    "closes": int,
    "slot_minutes": int,
    "capacity": int,
    "equipment": str,
    "accessibility": str,
    "barrier_free": bool,
    "rules": str,
    "description": str,
    "fee_resident": int,
    "fee_nonresident": int,
    "discount_percent": int,
    "discount_bands": str,
    "cancel_free_days": int,
    "cancel_late_percent": int,
    "approval": bool,
    "lock_id": str,
}


def _check_facility(values: Mapping[str, Any]) -> None:
    if not str(values.get("name", "")).strip():
        raise Refused("bad_name")
    if values.get("kind", "room") not in queries.KINDS:
        raise Refused("bad_kind")
    weekdays = str(values.get("weekdays", "0123456"))
    if not weekdays or any(c not in "0123456" for c in weekdays):
        raise Refused("bad_weekdays")
    opens, closes = int(values.get("opens", 540)), int(values.get("closes", 1260))
    step = int(values.get("slot_minutes", 60))
    if not (0 <= opens < closes <= 1440) or not 15 <= step <= closes - opens:
        raise Refused("bad_hours")
    for key in ("fee_resident", "fee_nonresident", "capacity"):
        if not 0 <= int(values.get(key, 0)) <= 1_000_000:
            raise Refused("bad_fee")
    for key in ("discount_percent", "cancel_late_percent"):
        if not 0 <= int(values.get(key, 0)) <= 100:
            raise Refused("bad_percent")
    if not 0 <= int(values.get("cancel_free_days", 7)) <= 365:
        raise Refused("bad_percent")


async def save_facility(values: Mapping[str, Any], facility_id: int | None = None) -> int:
    """Add a facility, or change one (staff). Unknown keys are ignored."""
    clean = {k: v for k, v in values.items() if k in FACILITY_FIELDS}
    _check_facility({**(await queries.facility(facility_id) or {} if facility_id else {}), **clean})
    if facility_id is None:
        made = await BookingFacility.insert(BookingFacility(**clean)).returning(BookingFacility.id)
        queries.forget()
        return int(made[0]["id"])
    if await queries.facility(facility_id) is None:
        raise Refused("unknown_facility")
    await BookingFacility.update({getattr(BookingFacility, k): v for k, v in clean.items()}).where(
        BookingFacility.id == facility_id
    )
    queries.forget()
    return facility_id


PHOTO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_PHOTO_BYTES = 2_000_000


def photo_type(data: bytes) -> str | None:
    """The image type by its first bytes (PNG, JPEG or WebP), whatever the file claims."""
    for magic, kind in PHOTO_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


async def add_photo(facility_id: int, data: bytes, caption: str) -> int:
    """A photo of a facility, described by ``caption`` (what a screen reader says)."""
    await _facility(facility_id)
    kind = photo_type(data)
    if kind is None or len(data) > MAX_PHOTO_BYTES:
        raise Refused("bad_photo")
    if not caption.strip():
        raise Refused("no_caption")
    made = await BookingPhoto.insert(
        BookingPhoto(facility=facility_id, caption=caption.strip()[:200], content_type=kind,
                     data=data, position=await BookingPhoto.count().where(
                         BookingPhoto.facility == facility_id))
    ).returning(BookingPhoto.id)  # fmt: skip
    queries.forget()
    return int(made[0]["id"])


async def add_blackout(facility_id: int, start: dt.date, end: dt.date, reason: str) -> None:
    await _facility(facility_id)
    if end < start:
        raise Refused("bad_range")
    await BookingBlackout.insert(
        BookingBlackout(facility=facility_id, start=start, end=end, reason=reason.strip()[:200])
    )
    queries.forget()


async def import_facilities(items: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Store read 公共施設一覧 rows: new ones added, known ones (same 名称 and 住所) updated; the
    fees, slots and rules staff set are kept."""
    added = updated = 0
    async with transaction():
        for item in items:
            existing = (
                await BookingFacility.select(BookingFacility.id)
                .where(BookingFacility.source_key == item["source_key"])
                .first()
            )
            if existing:
                await BookingFacility.update(
                    {getattr(BookingFacility, k): v for k, v in item.items() if k != "source_key"}
                ).where(BookingFacility.id == existing["id"])
                updated += 1
            else:
                await BookingFacility.insert(BookingFacility(**item))
                added += 1
    queries.forget()
    return {"added": added, "updated": updated}


# --- lotteries --------------------------------------------------------------------------------


async def open_lottery(
    facility_id: int,
    first_day: dt.date,
    last_day: dt.date,
    apply_until: dt.datetime,
    *,
    pay_days: int = 7,
    actor: str = "system",
) -> int:
    """Mark a facility's slots between two days as contested: they go to a draw after
    ``apply_until``. The seed is made now; only its hash is shown until the draw."""
    await _facility(facility_id)
    if last_day < first_day or apply_until.astimezone(rules.JST).date() >= first_day:
        raise Refused("bad_range")
    seed, digest = draws.new_seed()
    made = await BookingLottery.insert(
        BookingLottery(
            facility=facility_id,
            first_day=first_day,
            last_day=last_day,
            apply_until=apply_until,
            pay_days=pay_days,
            seed=seed,
            seed_hash=digest,
        )
    ).returning(BookingLottery.id)
    lottery_id = int(made[0]["id"])
    queries.forget()
    await audit(actor, "lottery.open", str(lottery_id), {"seed_hash": digest})
    return lottery_id


def _fee_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    return {k: claims[k] for k in ("resident.verified", "profile.age_band") if k in claims}


def _choice(text: str) -> tuple[dt.date, int]:
    day, _, start = text.partition(" ")
    return dt.date.fromisoformat(day), rules.parse_hhmm(start)


async def enter(
    subject: str,
    lottery_id: int,
    choices: Sequence[str],
    *,
    household: str | None,
    people: int = 1,
    claims: Mapping[str, Any] | None = None,
    locale: str = "ja",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Apply with up to three ranked choices (``"YYYY-MM-DD HH:MM"``); one entry per household.

    ``household`` is the resident's pairwise household id (``Resident.household``); without one
    (resident ID not verified, or the scope not granted) contested slots are not open to them.
    The database holds the rule: two members of a household applying at once both insert
    (lottery, household) and only one commits."""
    now = now or rules.now()
    if not household:
        raise Refused("household_needed")
    lot = await queries.lottery(lottery_id)
    if lot is None:
        raise Refused("unknown_lottery")
    if lot["status"] != "open" or now >= lot["apply_until"]:
        raise Refused("lottery_closed")
    ranked = [c.strip() for c in choices if c.strip()]
    if not ranked:
        raise Refused("no_slot")
    if len(ranked) > MAX_CHOICES or len(set(ranked)) != len(ranked):
        raise Refused("bad_choices")
    row = await _facility(lot["facility"])
    closed = await queries.blackouts(row["id"])
    for text in ranked:
        try:
            day, start = _choice(text)
        except ValueError:
            raise Refused("bad_choices") from None
        if not (lot["first_day"] <= day <= lot["last_day"]) or start not in rules.slot_starts(row):
            raise Refused("bad_choices")
        if not rules.is_open_day(row, day, closed):
            raise Refused("closed_day")
    if people < 1 or (row["capacity"] and people > row["capacity"]):
        raise Refused("over_capacity")
    try:
        await BookingEntry.insert(
            BookingEntry(
                lottery=lottery_id,
                subject=subject,
                household=household,
                entry_key=f"{lottery_id}|{subject}",
                choices=json.dumps(ranked),
                people=people,
                locale=locale,
                created_at=now,
                claims=json.dumps(_fee_claims(claims or {})),
            )
        )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        mine = await queries.entry_of(lottery_id, subject)
        raise Refused("already_entered" if mine else "household_entered") from None
    found = await queries.entry_of(lottery_id, subject)
    assert found is not None
    return found


async def draw(lottery_id: int, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Draw a lottery whose application period is over (once: a second call does nothing).
    Winners get a booking to pay by ``pay_days``; the seed is published with the results."""
    now = now or rules.now()
    lot = await queries.lottery(lottery_id)
    if lot is None:
        raise Refused("unknown_lottery")
    if lot["status"] == "drawn":
        return list(lot["results"])
    if now < lot["apply_until"]:
        raise Refused("lottery_still_open")
    if lot["status"] == "drawing":
        # Another worker is drawing it, or one died half-way: after STALE_DRAW, take it over
        # and finish from what was recorded (the same seed, the same slots taken before).
        if lot["drawn_at"] is None or now - lot["drawn_at"] < STALE_DRAW:
            return []
        claimed = (
            await BookingLottery.update({BookingLottery.drawn_at: now})
            .where(
                (BookingLottery.id == lottery_id)
                & (BookingLottery.status == "drawing")
                & (BookingLottery.drawn_at < now - STALE_DRAW)
            )
            .returning(BookingLottery.id)
        )
        taken = list(lot["taken"])
    else:
        taken = [
            f"{r['day'].isoformat()} {rules.hhmm(r['starts'])}"
            for r in await BookingSlot.select(BookingSlot.day, BookingSlot.starts).where(
                (BookingSlot.facility == lot["facility"])
                & BookingSlot.slot_key.is_not_null()
                & (BookingSlot.day >= lot["first_day"])
                & (BookingSlot.day <= lot["last_day"])
            )
        ]
        claimed = (
            await BookingLottery.update({
                BookingLottery.status: "drawing", BookingLottery.drawn_at: now,
                BookingLottery.taken: json.dumps(taken),
            })
            .where((BookingLottery.id == lottery_id) & (BookingLottery.status == "open"))
            .returning(BookingLottery.id)
        )  # fmt: skip
    queries.forget()
    if not claimed:  # another worker got there first
        return []
    entries = await queries.entries(lottery_id)
    results = draws.draw(lot["seed"], entries, taken)
    by_id = {e["id"]: e for e in entries}
    pay_by = now + dt.timedelta(days=int(lot["pay_days"]))
    for result in results:
        entry = by_id[result["entry"]]
        if entry["result"] in ("won", "lost"):  # done before a worker died: keep it
            result["won"] = entry["won"]
            continue
        number = ""
        if result["won"]:
            day, start = _choice(result["won"])
            try:
                order = await book(
                    entry["subject"],
                    lot["facility"],
                    day,
                    [start],
                    claims=entry["claims"],
                    people=entry["people"],
                    channel="lottery",
                    locale=entry["locale"],
                    now=now,
                    _lottery=True,
                    pay_by=pay_by,
                )
                number = order["number"]
            except Refused:
                result["won"] = ""
        await BookingEntry.update(
            {
                BookingEntry.result: "won" if result["won"] else "lost",
                BookingEntry.won: result["won"],
                BookingEntry.order_number: number,
            }
        ).where(BookingEntry.id == entry["id"])
    await BookingLottery.update(
        {
            BookingLottery.status: "drawn",
            BookingLottery.drawn_at: now,
            BookingLottery.results: json.dumps(results),
        }
    ).where(BookingLottery.id == lottery_id)
    await audit(
        "system",
        "lottery.draw",
        str(lottery_id),
        {
            "seed": lot["seed"],
            "seed_hash": lot["seed_hash"],
            "entries": len(entries),
            "winners": sum(1 for r in results if r["won"]),
        },
    )
    return results


async def release_unpaid(*, now: dt.datetime | None = None) -> list[str]:
    """Lottery wins not paid by their deadline are released to first-come booking."""
    now = now or rules.now()
    overdue = await BookingOrder.select(BookingOrder.id, BookingOrder.number).where(
        (BookingOrder.status == "booked")
        & BookingOrder.pay_by.is_not_null()
        & (BookingOrder.pay_by < now)
        & BookingOrder.payment.is_in(["unpaid", "wallet_pending"])
    )
    released = []
    for row in overdue:
        async with transaction():
            changed = (
                await BookingOrder.update({BookingOrder.status: "released"})
                .where((BookingOrder.id == row["id"]) & (BookingOrder.status == "booked"))
                .returning(BookingOrder.id)
            )
            if changed:
                await _release(row["id"])
                await audit("system", "lottery.release", row["number"])
                released.append(row["number"])
    return released
