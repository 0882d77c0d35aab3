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


# A resident's cash and points accounts, read on the home screen, the wallet page and every
# payment page: the SQL is built once (shell.db.Prepared), and the wallet page reads them once for
# both its balances and its point lots.
_own_accounts = Prepared(
    lambda owner: LedgerAccount.select(
        LedgerAccount.id,
        LedgerAccount.kind,
        LedgerAccount.balance,
        LedgerAccount.expires_at,
        LedgerAccount.categories,
    ).where((LedgerAccount.owner == owner) & LedgerAccount.kind.is_in(["cash", "points"]))
)


def _balances(rows: list[dict[str, Any]], at: dt.datetime) -> dict[str, int]:
    result = {"cash": 0, "points": 0}
    for row in rows:
        expires = _aware(row["expires_at"])
        if row["kind"] == "points" and expires is not None and expires <= at:
            continue
        result[row["kind"]] += row["balance"]
    return result


def _point_lots(rows: list[dict[str, Any]], at: dt.datetime) -> list[dict[str, Any]]:
    lots = [
        {**row, "expires_at": _aware(row["expires_at"])}
        for row in rows
        if row["kind"] == "points" and row["balance"] > 0
    ]
    lots = [lot for lot in lots if lot["expires_at"] and lot["expires_at"] > at]
    return sorted(lots, key=lambda lot: lot["expires_at"])


async def balances(owner: int) -> dict[str, int]:
    """Cash and unexpired points (expired points waiting for the expiry job are not spendable)."""
    return _balances(await _own_accounts(owner), now())


async def point_lots(owner: int) -> list[dict[str, Any]]:
    """Unexpired point grants with something left, soonest expiry first."""
    return _point_lots(await _own_accounts(owner), now())


async def balances_and_lots(owner: int) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """``balances`` and ``point_lots`` from one read (the wallet page shows both)."""
    rows, at = await _own_accounts(owner), now()
    return _balances(rows, at), _point_lots(rows, at)


HISTORY = 50  # movements the wallet page shows

# the wallet page's history on every visit: Piccolo building its joins took most of the page's
# time before its SQL was built once
_history_rows = Prepared(
    lambda owner: (
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
        .limit(HISTORY * 3)
    )
)


async def history(owner: int) -> list[dict[str, Any]]:
    """The resident's last ``HISTORY`` movements, newest first, each with its net cash and
    points change."""
    merged: dict[int, dict[str, Any]] = {}
    for row in await _history_rows(owner):
        item = merged.setdefault(row["id"], {**row, "cash": 0, "points": 0, "total": 0})
        item[row["account_kind"]] += row["amount"]
        item["total"] += row["amount"]
    return list(merged.values())[:HISTORY]


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
