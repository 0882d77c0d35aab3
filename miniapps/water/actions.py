"""What changes the water app's data: imports, linking an account (guarded against guessing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from .importer import N_, BillRow, ImportProblems, Problem
from .tables import (
    WaterAccount,
    WaterBill,
    WaterImportRun,
    WaterLink,
    WaterLinkAttempt,
    WaterLookupDay,
)
from .tariff import TariffError, quote

#: Failed attempts allowed per resident, and per customer number, in ATTEMPT_WINDOW.
MAX_FAILURES_PER_RESIDENT = 5
MAX_FAILURES_PER_NUMBER = 10
ATTEMPT_WINDOW = dt.timedelta(hours=24)
MAX_LINKS = 10
BELOW_STORED = N_(
    "前回指針 %(previous)s が、登録済みの最後の指針 %(stored)s（%(date)s）より小さいのに、"
    "メーター交換になっていません"
)


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def code_hash(customer_number: str, code: str) -> str:
    return hashlib.sha256(f"{normalise(customer_number)}:{normalise(code)}".encode()).hexdigest()


def normalise(text: str) -> str:
    """Full-width digits and letters as ASCII, upper case, without spaces."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).upper().replace(" ", "").strip()


async def import_bills(
    rows: list[BillRow], file_name: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Store parsed bills in one transaction, or nothing: every row is checked against the tariff
    (a reading date no tariff covers is refused) and against the account's last stored reading.
    A bill whose amounts disagree with the engine is stored and flagged for staff. The run is
    recorded either way."""
    now = now or dt.datetime.now(dt.UTC)
    problems: list[Problem] = []
    flagged: list[dict[str, Any]] = []
    created = updated = 0
    try:
        async with WaterBill._meta.db.transaction():
            accounts = {a["customer_number"]: a for a in await WaterAccount.select()}
            last: dict[int, tuple[dt.date, int]] = {}
            for bill in await WaterBill.select(
                WaterBill.account, WaterBill.reading_date, WaterBill.current_reading
            ).order_by(WaterBill.reading_date):
                last[bill["account"]] = (bill["reading_date"], bill["current_reading"])
            ordered = sorted(rows, key=lambda r: (r.customer_number, r.reading_date))
            seen_last: dict[str, tuple[dt.date, int]] = {}
            for row in ordered:
                try:
                    expected = quote(row.m3, months=row.months, meter_mm=row.meter_mm,
                                     on=row.reading_date)  # fmt: skip
                except TariffError as exc:
                    problems.append(_tariff_problem(row, exc))
                    continue
                account = accounts.get(row.customer_number)
                before = seen_last.get(row.customer_number) or (
                    last.get(account["id"]) if account else None
                )
                if (
                    before
                    and row.reading_date > before[0]
                    and not row.meter_changed
                    and row.previous_reading < before[1]
                ):
                    problems.append(Problem.of(
                        row.row,
                        BELOW_STORED,
                        previous=row.previous_reading, stored=before[1], date=str(before[0]),
                    ))  # fmt: skip
                    continue
                seen_last[row.customer_number] = (row.reading_date, row.current_reading)
                if account is None:
                    account_id = (await WaterAccount.insert(WaterAccount(
                        customer_number=row.customer_number,
                        code_hash=code_hash(row.customer_number, row.verification_code),
                        meter_mm=row.meter_mm,
                    )).returning(WaterAccount.id))[0]["id"]  # fmt: skip
                    account = {"id": account_id, "customer_number": row.customer_number}
                    accounts[row.customer_number] = account
                else:
                    fresh = code_hash(row.customer_number, row.verification_code)
                    await WaterAccount.update({
                        WaterAccount.code_hash: fresh,
                        WaterAccount.meter_mm: row.meter_mm,
                    }).where(WaterAccount.id == account["id"])  # fmt: skip
                if expected.total != row.total:
                    flagged.append({"row": row.row, "customer_number": row.customer_number,
                                    "reading_date": row.reading_date.isoformat(),
                                    "total": row.total, "expected": expected.total})  # fmt: skip
                values = {
                    "account": account["id"],
                    "previous_date": row.previous_date,
                    "reading_date": row.reading_date,
                    "previous_reading": row.previous_reading,
                    "current_reading": row.current_reading,
                    "meter_changed": row.meter_changed,
                    "m3": row.m3,
                    "months": row.months,
                    "water_charge": row.water_charge,
                    "sewerage_charge": row.sewerage_charge,
                    "tax": row.tax,
                    "total": row.total,
                    "due_date": row.due_date,
                    "paid": row.paid,
                    "expected_total": expected.total,
                }
                key = f"{row.customer_number}|{row.reading_date.isoformat()}"
                existing = await WaterBill.select(WaterBill.id).where(WaterBill.key == key).first()
                if existing:
                    await WaterBill.update(
                        {getattr(WaterBill, k): v for k, v in values.items()}
                    ).where(WaterBill.id == existing["id"])
                    updated += 1
                else:
                    await WaterBill.insert(WaterBill(key=key, posted_at=now, **values))
                    created += 1
            if problems:
                raise ImportProblems(sorted(problems, key=lambda p: p.row))
    except ImportProblems as exc:
        await record_run(file_name, ok=False, rows=len(rows), problems=exc.problems, now=now)
        raise
    await record_run(file_name, ok=True, rows=len(rows), flagged=flagged, now=now)
    return {"created": created, "updated": updated, "flagged": flagged}


def _tariff_problem(row: BillRow, exc: TariffError) -> Problem:
    if exc.code == "unknown_tariff_date":
        return Problem.of(row.row, N_("%(date)s に有効な料金表がありません"),
                          date=str(row.reading_date))  # fmt: skip
    if exc.code == "unknown_meter":
        return Problem.of(row.row, N_("口径 %(mm)s mm の基本料金が料金表にありません"),
                          mm=row.meter_mm)  # fmt: skip
    return Problem.of(row.row, N_("料金を計算できません（%(reason)s）"), reason=str(exc))


async def record_run(
    file_name: str,
    *,
    ok: bool,
    rows: int,
    problems: list[Problem] = (),  # type: ignore[assignment]
    flagged: list[dict[str, Any]] = (),  # type: ignore[assignment]
    now: dt.datetime | None = None,
) -> None:
    await WaterImportRun.insert(WaterImportRun(
        file_name=file_name[:200], ok=ok, rows=rows,
        problems=[p.as_json() for p in problems],
        flagged=list(flagged), at=now or dt.datetime.now(dt.UTC),
    ))  # fmt: skip


async def link(
    subject: str, customer_number: str, code: str, *, locale: str = "ja",
    now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Link the account whose number and code match; returns its id.

    Refusals: ``blank``; ``locked`` after too many failures (per resident, and per customer
    number, in 24 hours); ``no_match`` for a wrong code AND for an unknown number alike, so the
    answer never tells whether a customer number exists; ``too_many_links``.
    """
    now = now or dt.datetime.now(dt.UTC)
    number, code = normalise(customer_number), normalise(code)
    if not number or not code or len(number) > 32 or len(code) > 32:
        raise Refused("blank")
    since = now - ATTEMPT_WINDOW
    mine = await WaterLinkAttempt.count().where(
        (WaterLinkAttempt.subject == subject) & (WaterLinkAttempt.at > since)
    )
    theirs = await WaterLinkAttempt.count().where(
        (WaterLinkAttempt.customer_number == number) & (WaterLinkAttempt.at > since)
    )
    if mine >= MAX_FAILURES_PER_RESIDENT or theirs >= MAX_FAILURES_PER_NUMBER:
        raise Refused("locked")
    account = await WaterAccount.select().where(WaterAccount.customer_number == number).first()
    expected = account["code_hash"] if account else code_hash(number, "\0unknown")
    if account is None or not hmac.compare_digest(expected, code_hash(number, code)):
        await WaterLinkAttempt.insert(
            WaterLinkAttempt(subject=subject, customer_number=number, at=now)
        )
        raise Refused("no_match")
    key = f"{subject}|{account['id']}"
    if await WaterLink.exists().where(WaterLink.key == key):
        return account["id"]
    if await WaterLink.count().where(WaterLink.subject == subject) >= MAX_LINKS:
        raise Refused("too_many_links")
    await WaterLink.insert(WaterLink(key=key, subject=subject, account=account["id"],
                                     locale=locale, created_at=now))  # fmt: skip
    return account["id"]


async def unlink(subject: str, account_id: int) -> None:
    await WaterLink.delete().where(WaterLink.key == f"{subject}|{account_id}")


async def first_lookup_today(subject: str, account_id: int, today: dt.date) -> bool:
    """Whether this is the resident's first look at this account's bills today: each such day is
    one inquiry that did not need a phone call (the ``calls_saved`` KPI)."""
    key = f"{subject}|{account_id}|{today.isoformat()}"
    inserted = await WaterLookupDay.raw(
        "INSERT INTO water_lookup_day (key, day) VALUES ({}, {}) ON CONFLICT (key) DO NOTHING"
        " RETURNING id",
        key,
        today,
    )
    return bool(inserted)
