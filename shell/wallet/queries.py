"""Reads of the wallet: balances, history, merchants, settlement."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from shell import db
from shell.db import Prepared
from shell.wallet.actions import _aware, now
from shell.wallet.tables import (
    Campaign,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Merchant,
    MerchantMember,
    TopUp,
)

TOKYO = ZoneInfo("Asia/Tokyo")


# shown on the home screen on every visit: the SQL is built once (shell.db.Prepared)
_balance_rows = Prepared(
    lambda owner: LedgerAccount.select(
        LedgerAccount.kind, LedgerAccount.balance, LedgerAccount.expires_at
    ).where((LedgerAccount.owner == owner) & LedgerAccount.kind.is_in(["cash", "points"]))
)


async def balances(owner: int) -> dict[str, int]:
    """Cash and unexpired points (expired points waiting for the expiry job are not spendable)."""
    rows = await _balance_rows(owner)
    at = now()
    result = {"cash": 0, "points": 0}
    for row in rows:
        expires = _aware(row["expires_at"])
        if row["kind"] == "points" and expires is not None and expires <= at:
            continue
        result[row["kind"]] += row["balance"]
    return result


# the wallet page's reads, on every visit: the SQL is built once (shell.db.Prepared); Piccolo
# took most of the page's time building the history's joins
_point_lot_rows = Prepared(
    lambda owner: LedgerAccount.select(
        LedgerAccount.id, LedgerAccount.balance, LedgerAccount.expires_at, LedgerAccount.categories
    ).where(
        (LedgerAccount.owner == owner)
        & (LedgerAccount.kind == "points")
        & (LedgerAccount.balance > 0)
    )
)


async def point_lots(owner: int) -> list[dict[str, Any]]:
    """Unexpired point grants with something left, soonest expiry first."""
    rows = await _point_lot_rows(owner)
    at = now()
    lots = []
    for row in rows:
        row["expires_at"] = _aware(row["expires_at"])
        if row["expires_at"] and row["expires_at"] > at:
            lots.append(row)
    return sorted(lots, key=lambda r: r["expires_at"])


HISTORY = 50  # movements the wallet page shows
_history_rows: dict[int, Prepared] = {}


def _history_read(limit: int) -> Prepared:
    """The read of a history ``limit`` movements long (its SQL built once for each length)."""

    def build(owner: Any) -> Any:
        return (
            LedgerEntry.select(
                LedgerEntry.ledger_transaction.id.as_alias("id"),
                LedgerEntry.ledger_transaction.kind.as_alias("kind"),
                LedgerEntry.ledger_transaction.created_at.as_alias("created_at"),
                LedgerEntry.ledger_transaction.merchant.name.as_alias("merchant_name"),
                LedgerEntry.ledger_transaction.memo.as_alias("memo"),
                LedgerEntry.account.kind.as_alias("account_kind"),
                LedgerEntry.amount,
            )
            .where(LedgerEntry.account.owner == owner)
            .order_by(LedgerEntry.ledger_transaction.id, ascending=False)
            .limit(limit * 3)
        )

    read = _history_rows.get(limit)
    if read is None:
        read = _history_rows[limit] = Prepared(build)
    return read


async def history(owner: int, limit: int = HISTORY) -> list[dict[str, Any]]:
    """The resident's movements, newest first, each with its net cash and points change."""
    rows = await _history_read(limit)(owner)
    merged: dict[int, dict[str, Any]] = {}
    for row in rows:
        item = merged.setdefault(row["id"], {**row, "cash": 0, "points": 0, "total": 0})
        item[row["account_kind"]] += row["amount"]
        item["total"] += row["amount"]
    return list(merged.values())[:limit]


async def merchant_balance(merchant_id: int) -> int:
    """The shop's takings: the sum of its stripes (see ``actions.STRIPES``)."""
    rows = await LedgerAccount.select(LedgerAccount.balance).where(
        (LedgerAccount.merchant == merchant_id) & (LedgerAccount.kind == "merchant")
    )
    return sum(int(row["balance"]) for row in rows)


async def merchant(merchant_id: int) -> dict[str, Any] | None:
    return await Merchant.select().where(Merchant.id == merchant_id).first()  # type: ignore[no-any-return]


# every payment page and payment finds its shop by the code in the QR: the SQL built once
_merchant_by_code = Prepared(lambda code: Merchant.select().where(Merchant.code == code).first())


async def merchant_by_code(code: str) -> dict[str, Any] | None:
    return await _merchant_by_code(code)  # type: ignore[no-any-return]


_merchants_of = Prepared(
    lambda account_id: MerchantMember.select(
        MerchantMember.merchant.id.as_alias("id"),
        MerchantMember.merchant.name.as_alias("name"),
        MerchantMember.merchant.status.as_alias("status"),
        MerchantMember.role,
    ).where(MerchantMember.account == account_id)
)


async def merchants_of(account_id: int) -> list[dict[str, Any]]:
    """The shops this account works at, with its role in each (on every wallet page)."""
    return await _merchants_of(account_id)  # type: ignore[no-any-return]


async def merchant_role(account_id: int, merchant_id: int) -> str | None:
    row = (
        await MerchantMember.select(MerchantMember.role)
        .where((MerchantMember.account == account_id) & (MerchantMember.merchant == merchant_id))
        .first()
    )
    return row["role"] if row else None


async def incoming(
    merchant_id: int, *, since: dt.datetime | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Payments to the shop, newest first, each with how much has been refunded."""
    query = LedgerTransaction.select(
        LedgerTransaction.id, LedgerTransaction.amount, LedgerTransaction.created_at,
    ).where(
        (LedgerTransaction.merchant == merchant_id) & (LedgerTransaction.kind == "payment")
    )  # fmt: skip
    if since is not None:
        query = query.where(LedgerTransaction.created_at >= since)
    payments = await query.order_by(LedgerTransaction.id, ascending=False).limit(limit)
    if not payments:
        return []
    refunds = await LedgerTransaction.select(
        LedgerTransaction.related, LedgerTransaction.amount
    ).where(
        (LedgerTransaction.kind == "refund")
        & db.among(LedgerTransaction.related, [p["id"] for p in payments])
    )
    refunded: dict[int, int] = {}
    for row in refunds:
        refunded[row["related"]] = refunded.get(row["related"], 0) + row["amount"]
    for payment in payments:
        payment["refunded"] = refunded.get(payment["id"], 0)
        payment["refundable"] = payment["amount"] - payment["refunded"]
    return payments  # type: ignore[no-any-return]


def tokyo_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=TOKYO).astimezone(dt.UTC)
    return start, start + dt.timedelta(days=1)


async def settlement(merchant_id: int, day: dt.date) -> list[dict[str, Any]]:
    """Every payment and refund of the shop on ``day`` (Tokyo time), oldest first."""
    start, end = tokyo_day_bounds(day)
    return await LedgerTransaction.select(  # type: ignore[no-any-return]
        LedgerTransaction.id, LedgerTransaction.kind, LedgerTransaction.amount,
        LedgerTransaction.related, LedgerTransaction.created_at,
    ).where(
        (LedgerTransaction.merchant == merchant_id)
        & LedgerTransaction.kind.is_in(["payment", "refund"])
        & (LedgerTransaction.created_at >= start)
        & (LedgerTransaction.created_at < end)
    ).order_by(LedgerTransaction.id)  # fmt: skip


async def top_up(reference: str) -> dict[str, Any] | None:
    return await TopUp.select().where(TopUp.reference == reference).first()  # type: ignore[no-any-return]


async def all_merchants() -> list[dict[str, Any]]:
    return await Merchant.select().order_by(Merchant.id)  # type: ignore[no-any-return]


async def campaigns() -> list[dict[str, Any]]:
    return await Campaign.select().order_by(Campaign.id, ascending=False)  # type: ignore[no-any-return]


async def circulation() -> dict[str, Any]:
    """What circulates: cash and points held by residents, takings held by shops, and payments
    by shop category and by day (Tokyo)."""
    held = await LedgerAccount.select(LedgerAccount.kind, LedgerAccount.balance)
    totals = {"cash": 0, "points": 0, "merchant": 0}
    for row in held:
        if row["kind"] in totals:
            totals[row["kind"]] += row["balance"]
    payments = await LedgerTransaction.select(
        LedgerTransaction.amount, LedgerTransaction.kind, LedgerTransaction.created_at,
        LedgerTransaction.merchant.category.as_alias("category"),
        LedgerTransaction.merchant.district.name.as_alias("district"),
    ).where(LedgerTransaction.kind.is_in(["payment", "refund"]))  # fmt: skip
    by_category: dict[str, int] = {}
    by_day: dict[str, int] = {}
    by_district: dict[str, int] = {}
    for row in payments:
        sign = 1 if row["kind"] == "payment" else -1
        category = row["category"] or "-"
        by_category[category] = by_category.get(category, 0) + sign * row["amount"]
        district = row["district"] or "-"
        by_district[district] = by_district.get(district, 0) + sign * row["amount"]
        day = _aware(row["created_at"]).astimezone(TOKYO).date().isoformat()  # type: ignore[union-attr]
        by_day[day] = by_day.get(day, 0) + sign * row["amount"]
    return {
        "totals": totals,
        "by_category": dict(sorted(by_category.items())),
        "by_day": dict(sorted(by_day.items())),
        "by_district": dict(sorted(by_district.items())),
    }


async def payment(payment_id: int) -> dict[str, Any] | None:
    return (
        await LedgerTransaction.select()
        .where(  # type: ignore[no-any-return]
            (LedgerTransaction.id == payment_id) & (LedgerTransaction.kind == "payment")
        )
        .first()
    )


async def members(merchant_id: int) -> list[dict[str, Any]]:
    return (
        await MerchantMember.select(  # type: ignore[no-any-return]
            MerchantMember.account,
            MerchantMember.role,
            MerchantMember.account.name.as_alias("name"),
        )
        .where(MerchantMember.merchant == merchant_id)
        .order_by(MerchantMember.id)
    )


REDEMPTIONS = """
SELECT a.campaign AS campaign,
       SUM(CASE WHEN t.kind = 'grant' THEN e.amount ELSE 0 END) AS granted,
       -SUM(CASE WHEN t.kind IN ('payment', 'refund') THEN e.amount ELSE 0 END) AS redeemed,
       -SUM(CASE WHEN t.kind = 'expiry' THEN e.amount ELSE 0 END) AS expired,
       COUNT(DISTINCT CASE WHEN t.kind = 'grant' THEN a.owner END) AS residents,
       COUNT(DISTINCT CASE WHEN t.kind = 'payment' THEN a.owner END) AS redeemers
FROM wallet_entry e
JOIN wallet_account a ON a.id = e.account
JOIN wallet_transaction t ON t.id = e.ledger_transaction
WHERE a.campaign IS NOT NULL
GROUP BY a.campaign
"""


async def campaign_redemptions() -> dict[int, dict[str, int]]:
    """Per issued campaign, from the ledger: points granted, redeemed at shops (refunds given
    back deducted), expired, still held, residents granted and residents who spent any."""
    rows = await LedgerAccount.raw(REDEMPTIONS)
    held = await LedgerAccount.select(LedgerAccount.campaign, LedgerAccount.balance).where(
        LedgerAccount.campaign.is_not_null()
    )
    outstanding: dict[int, int] = {}
    for row in held:
        outstanding[row["campaign"]] = outstanding.get(row["campaign"], 0) + row["balance"]
    found = {}
    for row in rows:
        figures = {k: int(row[k] or 0) for k in
                   ("granted", "redeemed", "expired", "residents", "redeemers")}  # fmt: skip
        figures["held"] = outstanding.get(row["campaign"], 0)
        figures["rate"] = round(100 * figures["redeemed"] / figures["granted"]) if figures[
            "granted"] else 0  # fmt: skip
        found[int(row["campaign"])] = figures
    return found
