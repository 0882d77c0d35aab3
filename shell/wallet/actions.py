"""Wallet verbs. Each is one ledger transaction under an idempotency key (see ``ledger``);
receipts and webhooks are sent by the caller after the transaction commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import zlib
from typing import Any

from shell.wallet import ledger
from shell.wallet.ledger import Leg, Posting, Receipt, Refused
from shell.wallet.tables import (
    Campaign,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Merchant,
    MerchantMember,
    OneTimeCode,
    TopUp,
)

MAX_AMOUNT = 1_000_000  # one movement; larger is a typing mistake, not a purchase
CODE_MINUTES = 5
MERCHANT_CATEGORIES = ("food", "retail", "service", "health", "transport", "city")
# A shop's takings are held in STRIPES ledger accounts (kind "merchant"), not one: a payment
# credits the one stripe its idempotency key hashes to, so payers at one busy shop queue on
# STRIPES row locks instead of one. The shop's balance is their sum. Each stripe is an ordinary
# ledger account, so ``machi wallet verify`` checks each against its entries.
STRIPES = 16


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_key(key: str) -> None:
    """Every write carries the client's idempotency key."""
    if not key or len(key) > 120:
        raise Refused("idempotency_key")


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise Refused("amount")
    if amount > MAX_AMOUNT:
        raise Refused("amount_too_large")


async def cash_account(owner: int) -> int:
    return await ledger.account(f"cash:{owner}", "cash", owner=owner)


def stripe_key(merchant_id: int, stripe: int) -> str:
    """Stripe 0 keeps the name a shop's single account had before striping."""
    return f"merchant:{merchant_id}" if stripe == 0 else f"merchant:{merchant_id}:{stripe}"


def stripe_of(key: str) -> int:
    """The stripe a payment credits: its idempotency key, hashed."""
    return zlib.crc32(key.encode()) % STRIPES


async def merchant_account(merchant_id: int, stripe: int = 0) -> int:
    """The id of one stripe of the shop's takings (created if missing)."""
    return await ledger.account(stripe_key(merchant_id, stripe), "merchant", merchant=merchant_id)


async def merchant_stripes(merchant_id: int) -> dict[int, int]:
    """Every stripe of the shop's takings (created if missing): ``{account id: balance}``."""
    rows = await LedgerAccount.select(LedgerAccount.id, LedgerAccount.balance).where(
        (LedgerAccount.merchant == merchant_id) & (LedgerAccount.kind == "merchant")
    )
    if len(rows) < STRIPES:
        for stripe in range(STRIPES):
            await merchant_account(merchant_id, stripe)
        rows = await LedgerAccount.select(LedgerAccount.id, LedgerAccount.balance).where(
            (LedgerAccount.merchant == merchant_id) & (LedgerAccount.kind == "merchant")
        )
    return {int(row["id"]): int(row["balance"]) for row in rows}


def take_from_stripes(stripes: dict[int, int], amount: int, *, start: int) -> list[Leg]:
    """Debit legs taking ``amount`` from the shop's stripes (beginning at the ``start``-th, so
    concurrent refunds spread over them), or refuse when the takings are not enough."""
    if sum(stripes.values()) < amount:
        raise Refused("merchant_insufficient")
    ids = sorted(stripes)
    legs = []
    left = amount
    for i in range(len(ids)):
        aid = ids[(start + i) % len(ids)]
        take = min(left, stripes[aid])
        if take > 0:
            legs.append(Leg(aid, "merchant", -take))
            left -= take
        if not left:
            break
    return legs


async def gateway_account(name: str = "local") -> int:
    return await ledger.account(f"gateway:{name}", "gateway")


async def city_points_account() -> int:
    return await ledger.account("city:points", "city_points")


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


async def spendable(payer: int, *, category: str | None, at: dt.datetime) -> list[Leg]:
    """The resident's accounts that can pay now, in the order they are spent: points first,
    earliest expiry first (only grants valid at this shop's category), then cash."""
    rows = await LedgerAccount.select(
        LedgerAccount.id,
        LedgerAccount.kind,
        LedgerAccount.balance,
        LedgerAccount.expires_at,
        LedgerAccount.categories,
    ).where(
        (LedgerAccount.owner == payer)
        & LedgerAccount.kind.is_in(["cash", "points"])
        & (LedgerAccount.balance > 0)
    )
    points = []
    cash = []
    for row in rows:
        if row["kind"] == "cash":
            cash.append(Leg(row["id"], "cash", row["balance"]))
            continue
        expires = _aware(row["expires_at"])
        categories = json_list(row["categories"])
        if expires is not None and expires <= at:
            continue
        if categories and category not in categories:
            continue
        points.append(
            (expires or dt.datetime.max.replace(tzinfo=dt.UTC), row["id"], row["balance"])
        )
    points.sort()
    return [Leg(aid, "points", balance) for _, aid, balance in points] + cash


def allocate(available: list[Leg], amount: int) -> list[Leg]:
    """Debit legs taking ``amount`` from ``available`` in its order, or refuse."""
    if sum(leg.amount for leg in available) < amount:
        raise Refused("insufficient")
    legs = []
    left = amount
    for leg in available:
        take = min(left, leg.amount)
        if take:
            legs.append(Leg(leg.account_id, leg.kind, -take))
            left -= take
        if not left:
            break
    return legs


async def _approved_merchant(merchant_id: int) -> dict[str, Any]:
    merchant = await Merchant.select().where(Merchant.id == merchant_id).first()
    if merchant is None:
        raise Refused("merchant_unknown")
    if merchant["status"] != "approved":
        raise Refused("merchant_unavailable")
    return merchant


# --- residents -------------------------------------------------------------------------------


async def pay_merchant(
    payer: int, merchant_id: int, amount: int, *, key: str, memo: str = ""
) -> Receipt:
    """The resident pays a shop: points first (earliest expiry first), then cash."""
    _check_key(key)
    _check_amount(amount)
    fp = ledger.fingerprint("payment", payer, merchant_id, amount)
    full_key = f"payment:{payer}:{key}"
    return await ledger.joined(
        full_key, fp, lambda: _pay_merchant(payer, merchant_id, amount, full_key, fp, memo)
    )


async def _pay_merchant(
    payer: int, merchant_id: int, amount: int, full_key: str, fp: str, memo: str
) -> Receipt:
    db = ledger.engine()
    if db.engine_type == "postgres" and getattr(db, "pool", None) is not None:
        from shell.wallet import pgpay

        return await pgpay.pay(payer, merchant_id, amount, key=full_key, fp=fp, memo=memo)

    async def plan() -> Posting:
        merchant = await _approved_merchant(merchant_id)
        legs = allocate(await spendable(payer, category=merchant["category"], at=now()), amount)
        target = await merchant_account(merchant_id, stripe_of(full_key))
        return Posting(
            "payment", amount, [*legs, Leg(target, "merchant", amount)],
            payer=payer, merchant=merchant_id, memo=memo or merchant["name"],
        )  # fmt: skip

    return await ledger.run_once(full_key, fp, plan)


async def credit_top_up(reference: str, *, gateway_ref: str, succeeded: bool) -> Receipt | None:
    """The gateway's verified callback: credit the resident's cash once, or mark the top-up
    failed. Replayed callbacks change nothing and return the first result."""
    top_up = await TopUp.select().where(TopUp.reference == reference).first()
    if top_up is None:
        raise Refused("top_up_unknown")
    if not succeeded:
        await TopUp.update({TopUp.status: "failed", TopUp.completed_at: now()}).where(
            (TopUp.id == top_up["id"]) & (TopUp.status == "pending")
        )
        return None
    amount = top_up["amount"]
    owner = top_up["account"]

    async def plan() -> Posting:
        row = await TopUp.select(TopUp.status).where(TopUp.id == top_up["id"]).first()
        if row is None or row["status"] not in {"pending", "expired"}:
            # Failed is final; a gateway that says "paid" after "failed" is for people to sort out.
            raise Refused("top_up_closed")
        source = await gateway_account(top_up["gateway"])
        cash = await cash_account(owner)

        async def mark(txn_id: int) -> None:
            await TopUp.update(
                {
                    TopUp.status: "succeeded",
                    TopUp.gateway_ref: gateway_ref[:128],
                    TopUp.ledger_transaction: txn_id,
                    TopUp.completed_at: now(),
                }
            ).where(TopUp.id == top_up["id"])

        return Posting(
            "topup", amount, [Leg(source, "gateway", -amount), Leg(cash, "cash", amount)],
            payer=owner, memo=f"topup {reference}", after=mark,
        )  # fmt: skip

    return await ledger.run_once(
        f"topup:{reference}", ledger.fingerprint("topup", reference, amount), plan
    )


async def start_top_up(
    owner: int, amount: int, *, key: str, gateway: str = "local"
) -> dict[str, Any]:
    """Record a pending top-up (the same key returns the same one)."""
    _check_key(key)
    _check_amount(amount)
    reference = f"tu_{owner}_{ledger.fingerprint(owner, key)[:24]}"
    await TopUp.insert(
        TopUp(reference=reference, account=owner, amount=amount, gateway=gateway)
    ).on_conflict(action="DO NOTHING")
    row = await TopUp.select().where(TopUp.reference == reference).first()
    assert row is not None
    if row["account"] != owner or row["amount"] != amount:
        raise Refused("idempotency_key_reused")
    return row


async def expire_stale_top_ups(older_than: dt.timedelta) -> int:
    """Pending top-ups the gateway never answered are marked expired (nothing was credited)."""
    rows = (
        await TopUp.update({TopUp.status: "expired"})
        .where((TopUp.status == "pending") & (TopUp.created_at < now() - older_than))
        .returning(TopUp.id)
    )
    return len(rows)


async def issue_one_time_code(owner: int) -> str:
    code = "otc_" + secrets.token_urlsafe(18)
    await OneTimeCode.insert(
        OneTimeCode(code=code, account=owner, expires_at=now() + dt.timedelta(minutes=CODE_MINUTES))
    )
    return code


async def charge_one_time_code(code: str, merchant_id: int, amount: int, *, key: str) -> Receipt:
    """The shop scans the code a resident shows; usable once, before it expires."""
    _check_key(key)
    _check_amount(amount)
    row = await OneTimeCode.select().where(OneTimeCode.code == code).first()
    if row is None:
        raise Refused("code_unknown")
    payer = row["account"]
    fp = ledger.fingerprint("code", code, merchant_id, amount)

    async def plan() -> Posting:
        used = (
            await OneTimeCode.update({OneTimeCode.used_at: now()})
            .where(
                (OneTimeCode.code == code)
                & OneTimeCode.used_at.is_null()
                & (OneTimeCode.expires_at > now())
            )
            .returning(OneTimeCode.id)
        )
        if not used:
            current = (
                await OneTimeCode.select(OneTimeCode.used_at)
                .where(OneTimeCode.code == code)
                .first()
            )
            raise Refused("code_used" if current and current["used_at"] else "code_expired")
        merchant = await _approved_merchant(merchant_id)
        legs = allocate(await spendable(payer, category=merchant["category"], at=now()), amount)
        target = await merchant_account(merchant_id, stripe_of(f"code:{merchant_id}:{key}"))

        async def link(txn_id: int) -> None:
            await OneTimeCode.update({OneTimeCode.ledger_transaction: txn_id}).where(
                OneTimeCode.code == code
            )

        return Posting(
            "payment", amount, [*legs, Leg(target, "merchant", amount)],
            payer=payer, merchant=merchant_id, memo=merchant["name"], after=link,
        )  # fmt: skip

    return await ledger.run_once(f"code:{merchant_id}:{key}", fp, plan)


# --- merchants -------------------------------------------------------------------------------


async def refunded_so_far(payment_id: int) -> int:
    rows = await LedgerTransaction.select(LedgerTransaction.amount).where(
        (LedgerTransaction.related == payment_id) & (LedgerTransaction.kind == "refund")
    )
    return sum(row["amount"] for row in rows)


async def refund(payment_id: int, amount: int, *, merchant_id: int, key: str) -> Receipt:
    """Give back all or part of a payment, to the accounts it came from: cash first, then points
    (latest expiry first), never more to one account than it paid."""
    _check_key(key)
    _check_amount(amount)
    fp = ledger.fingerprint("refund", payment_id, amount)

    async def plan() -> Posting:
        found = LedgerTransaction.select().where(LedgerTransaction.id == payment_id)
        if ledger.engine().engine_type != "sqlite":
            # Two refunds of one payment at once: the second waits here until the first has
            # committed, then sees what it gave back (SQLite has one writer at a time anyway).
            found = found.lock_rows("UPDATE")
        payment = await found.first()
        if payment is None or payment["kind"] != "payment" or payment["merchant"] != merchant_id:
            raise Refused("payment_unknown")
        if amount > payment["amount"] - await refunded_so_far(payment_id):
            raise Refused("refund_too_large")
        paid = await LedgerEntry.select(
            LedgerEntry.account, LedgerEntry.amount, LedgerEntry.account.kind,
            LedgerEntry.account.expires_at,
        ).where(
            (LedgerEntry.ledger_transaction == payment_id) & (LedgerEntry.amount < 0)
        )  # fmt: skip
        earlier = await LedgerEntry.select(LedgerEntry.account, LedgerEntry.amount).where(
            LedgerEntry.ledger_transaction.is_in(
                LedgerTransaction.select(LedgerTransaction.id).where(
                    (LedgerTransaction.related == payment_id) & (LedgerTransaction.kind == "refund")
                )
            )
            & (LedgerEntry.amount > 0)
        )
        back: dict[int, int] = {}
        for row in earlier:
            back[row["account"]] = back.get(row["account"], 0) + row["amount"]

        def order(row: dict[str, Any]) -> tuple[int, float]:
            expires = _aware(row["account.expires_at"])
            return (
                0 if row["account.kind"] == "cash" else 1,
                -(expires.timestamp() if expires else 0),
            )

        legs = []
        left = amount
        for row in sorted(paid, key=order):
            room = -row["amount"] - back.get(row["account"], 0)
            give = min(room, left)
            if give > 0:
                legs.append(Leg(row["account"], row["account.kind"], give))
                left -= give
        assert left == 0, "refund allocation"
        taken = take_from_stripes(
            await merchant_stripes(merchant_id), amount, start=stripe_of(f"refund:{key}")
        )
        return Posting(
            "refund", amount, [*taken, *legs],
            payer=payment["payer"], merchant=merchant_id, related=payment_id,
        )  # fmt: skip

    return await ledger.run_once(f"refund:{payment_id}:{key}", fp, plan)


async def register_merchant(
    *, name: str, category: str, owner: int, district: int | None = None, code: str | None = None
) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise Refused("merchant_name")
    if category not in MERCHANT_CATEGORIES:
        raise Refused("merchant_category")
    code = code or secrets.token_hex(6).upper()
    async with ledger.transaction():
        rows = await Merchant.insert(
            Merchant(code=code, name=name, category=category, district=district)
        ).returning(Merchant.id)
        merchant_id = int(rows[0]["id"])
        await MerchantMember.insert(
            MerchantMember(merchant=merchant_id, account=owner, role="owner")
        )
    return merchant_id


async def set_merchant_status(merchant_id: int, status: str) -> None:
    if status not in {"pending", "approved", "suspended"}:
        raise Refused("merchant_status")
    changed = (
        await Merchant.update({Merchant.status: status})
        .where(Merchant.id == merchant_id)
        .returning(Merchant.id)
    )
    if not changed:
        raise Refused("merchant_unknown")


def staff_invite(secret: str, merchant_id: int, *, hours: int = 24) -> str:
    """A code the owner gives a staff member to join the shop's console (valid ``hours``)."""
    expires = int((now() + dt.timedelta(hours=hours)).timestamp())
    body = f"{merchant_id}.{expires}"
    mac = hmac.new(secret.encode(), f"shop-invite:{body}".encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac[:24]}"


async def join_shop(secret: str, code: str, account_id: int) -> int:
    """Add ``account_id`` to the shop as staff (they can take payments, not refund)."""
    try:
        merchant_text, expires_text, mac = code.strip().split(".")
        merchant_id, expires = int(merchant_text), int(expires_text)
    except ValueError:
        raise Refused("invite") from None
    body = f"{merchant_id}.{expires}"
    expected = hmac.new(secret.encode(), f"shop-invite:{body}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, expected[:24]) or expires < now().timestamp():
        raise Refused("invite")
    async with ledger.transaction():
        if not await MerchantMember.exists().where(
            (MerchantMember.merchant == merchant_id) & (MerchantMember.account == account_id)
        ):
            await MerchantMember.insert(
                MerchantMember(merchant=merchant_id, account=account_id, role="staff")
            )
    return merchant_id


async def remove_staff(merchant_id: int, account_id: int) -> None:
    """The owner removes a staff member (owners cannot be removed here)."""
    await MerchantMember.delete().where(
        (MerchantMember.merchant == merchant_id)
        & (MerchantMember.account == account_id)
        & (MerchantMember.role == "staff")
    )


# --- the city --------------------------------------------------------------------------------


async def grant_points(
    owner: int, amount: int, *, expires_at: dt.datetime, key: str,
    campaign: int | None = None, categories: list[str] | None = None,
) -> Receipt:  # fmt: skip
    """Give a resident points from the city, in an account of their own that expires."""
    _check_key(key)
    _check_amount(amount)
    if expires_at <= now():
        raise Refused("expiry_past")
    lot_key = f"points:{owner}:campaign:{campaign}" if campaign else f"points:{owner}:grant:{key}"
    fp = ledger.fingerprint("grant", owner, amount, expires_at.isoformat(), campaign)

    async def plan() -> Posting:
        lot = await ledger.account(
            lot_key, "points", owner=owner, campaign=campaign,
            categories=categories or [], expires_at=expires_at,
        )  # fmt: skip
        city = await city_points_account()
        return Posting(
            "grant", amount, [Leg(city, "city_points", -amount), Leg(lot, "points", amount)],
            payer=owner, memo=f"campaign {campaign}" if campaign else "grant",
        )  # fmt: skip

    return await ledger.run_once(f"grant:{key}", fp, plan)


async def expire_points(at: dt.datetime | None = None) -> int:
    """Move what is left on expired point grants back to the city (never deleted). Safe to run
    twice at once: the key names the account and how much had ever been credited to it."""
    at = at or now()
    rows = await LedgerAccount.select(
        LedgerAccount.id, LedgerAccount.expires_at, LedgerAccount.balance
    ).where((LedgerAccount.kind == "points") & (LedgerAccount.balance > 0))
    moved = 0
    for row in rows:
        expires = _aware(row["expires_at"])
        if expires is None or expires > at:
            continue
        account_id = row["id"]
        credited = await LedgerEntry.select(LedgerEntry.amount).where(
            (LedgerEntry.account == account_id) & (LedgerEntry.amount > 0)
        )
        generation = sum(r["amount"] for r in credited)

        async def plan(account_id: int = account_id) -> Posting:
            current = (
                await LedgerAccount.select(LedgerAccount.balance)
                .where(LedgerAccount.id == account_id)
                .first()
            )
            balance = current["balance"] if current else 0
            if balance <= 0:
                raise Refused("nothing_to_expire")
            city = await city_points_account()
            return Posting(
                "expiry", balance,
                [Leg(account_id, "points", -balance), Leg(city, "city_points", balance)],
            )  # fmt: skip

        try:
            receipt = await ledger.run_once(
                f"expiry:{account_id}:{generation}", ledger.fingerprint("expiry", account_id), plan
            )
        except Refused:
            continue
        if not receipt.replayed:
            moved += receipt.amount
    return moved


async def reverse(transaction_id: int, *, key: str, memo: str = "") -> Receipt:
    """Correct a mistake: a new transaction with every entry of ``transaction_id`` negated."""
    _check_key(key)
    fp = ledger.fingerprint("reversal", transaction_id)

    async def plan() -> Posting:
        original = (
            await LedgerTransaction.select().where(LedgerTransaction.id == transaction_id).first()
        )
        if original is None:
            raise Refused("transaction_unknown")
        if await LedgerTransaction.exists().where(
            (LedgerTransaction.related == transaction_id) & (LedgerTransaction.kind == "reversal")
        ):
            raise Refused("already_reversed")
        entries = await LedgerEntry.select(
            LedgerEntry.account, LedgerEntry.amount, LedgerEntry.account.kind
        ).where(LedgerEntry.ledger_transaction == transaction_id)
        legs = [Leg(e["account"], e["account.kind"], -e["amount"]) for e in entries]
        return Posting(
            "reversal", original["amount"], legs, payer=original["payer"],
            merchant=original["merchant"], related=transaction_id, memo=memo,
        )  # fmt: skip

    return await ledger.run_once(f"reversal:{key}", fp, plan)


def json_list(value: Any) -> list[str]:
    """A JSON list column as a list: the engines hand JSON back as text."""
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(item) for item in value or []]


async def issue_campaign(campaign_id: int, residents: list[int]) -> int:
    """Grant the campaign's points to each resident once (re-running grants nobody twice)."""
    campaign = await Campaign.select().where(Campaign.id == campaign_id).first()
    if campaign is None:
        raise Refused("campaign_unknown")
    granted = 0
    for owner in residents:
        receipt = await grant_points(
            owner, campaign["amount"], expires_at=_aware(campaign["expires_at"]),  # type: ignore[arg-type]
            key=f"campaign:{campaign_id}:{owner}", campaign=campaign_id,
            categories=json_list(campaign["categories"]),
        )  # fmt: skip
        granted += 0 if receipt.replayed else 1
    await Campaign.update({Campaign.status: "issued", Campaign.issued_at: now()}).where(
        Campaign.id == campaign_id
    )
    return granted
