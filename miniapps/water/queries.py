"""Reading the water app's data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .tables import WaterAccount, WaterBill, WaterImportRun, WaterLink

#: A bill "in the same period last year" was read 330 to 400 days earlier.
LAST_YEAR = (dt.timedelta(days=330), dt.timedelta(days=400))


async def links(subject: str) -> list[dict[str, Any]]:
    rows = (
        await WaterLink.select(
            WaterLink.account, WaterLink.account.customer_number.as_alias("customer_number")
        )
        .where(WaterLink.subject == subject)
        .order_by(WaterLink.id)
    )
    out = []
    for row in rows:
        latest = await bills(row["account"], limit=1)
        out.append({"id": row["account"], "customer_number": row["customer_number"],
                    "latest": latest[0] if latest else None})  # fmt: skip
    return out


async def is_linked(subject: str, account_id: int) -> bool:
    return await WaterLink.exists().where(WaterLink.key == f"{subject}|{account_id}")


async def linked_subjects(account_id: int) -> list[str]:
    """The pairwise ids of the residents who linked the account."""
    rows = await WaterLink.select(WaterLink.subject).where(WaterLink.account == account_id)
    return sorted({row["subject"] for row in rows})


async def account(account_id: int) -> dict[str, Any] | None:
    return (
        await WaterAccount.select(
            WaterAccount.id, WaterAccount.customer_number, WaterAccount.meter_mm
        )
        .where(WaterAccount.id == account_id)
        .first()
    )


async def account_by_number(number: str) -> dict[str, Any] | None:
    return (
        await WaterAccount.select(
            WaterAccount.id, WaterAccount.customer_number, WaterAccount.meter_mm
        )
        .where(WaterAccount.customer_number == number)
        .first()
    )


async def bills(account_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Newest first."""
    query = WaterBill.select().where(WaterBill.account == account_id)
    query = query.order_by(WaterBill.reading_date, ascending=False)
    if limit:
        query = query.limit(limit)
    return await query


async def bill(bill_id: int) -> dict[str, Any] | None:
    return await WaterBill.select().where(WaterBill.id == bill_id).first()


def same_period_last_year(row: dict[str, Any], history: list[dict[str, Any]]) -> dict | None:
    """The bill read 330-400 days before ``row`` (closest to a year), if any."""
    best = None
    for other in history:
        gap = row["reading_date"] - other["reading_date"]
        if LAST_YEAR[0] <= gap <= LAST_YEAR[1] and (
            best is None
            or abs(gap.days - 365) < abs((row["reading_date"] - best["reading_date"]).days - 365)
        ):
            best = other
    return best


async def import_runs(limit: int = 10) -> list[dict[str, Any]]:
    rows = await WaterImportRun.select().order_by(WaterImportRun.id, ascending=False).limit(limit)
    for row in rows:  # JSON columns come back as text on SQLite
        for key in ("problems", "flagged"):
            if isinstance(row[key], str):
                row[key] = json.loads(row[key])
    return rows


async def flagged_bills(limit: int = 50) -> list[dict[str, Any]]:
    return await WaterBill.select(
        WaterBill.id, WaterBill.account.customer_number.as_alias("customer_number"),
        WaterBill.reading_date, WaterBill.total, WaterBill.expected_total,
    ).where(WaterBill.total != WaterBill.expected_total).order_by(
        WaterBill.reading_date
    ).limit(limit)  # fmt: skip


async def similar_average(latest: dict[str, Any], meter_mm: int) -> int | None:
    """Average m3 of the other accounts with the same meter read on the same day; None with
    fewer than 3 of them (one household's usage is never shown to another)."""
    rows = await WaterBill.select(WaterBill.m3).where(
        (WaterBill.reading_date == latest["reading_date"])
        & (WaterBill.account.meter_mm == meter_mm)
        & (WaterBill.account != latest["account"])
    )
    if len(rows) < 3:
        return None
    return round(sum(r["m3"] for r in rows) / len(rows))
