"""Paying a shop on PostgreSQL in two round trips instead of about eleven.

The same rules as the general path (``ledger.run_once`` with ``actions.pay_merchant``'s plan),
written as two statements on a pooled asyncpg connection:

1. read the shop (status, category, the stripe of its takings this payment's key credits) and
   the payer's spendable accounts;
2. one statement (atomic by itself) with data-modifying CTEs that inserts the transaction row
   (its unique idempotency key: a concurrent twin waits on it, then fails and finds the first
   result), locks the rows it moves in account-id order, moves every balance with a
   conditional ``UPDATE`` (a debit only where ``balance >= amount``) and inserts the entries.
   If fewer rows were updated than legs planned,
   a balance changed since step 1: the statement fails as a whole and is planned again.

Measured on this machine kind it is what brings payments near the bare single-row UPDATE; the
stateful and concurrency tests run it against the same model as the general path.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

from shell.wallet import ledger
from shell.wallet.ledger import Leg, Receipt, Refused

PLAN = """
SELECT m.status, m.category, m.name, ma.id AS merchant_account,
       a.id, a.kind, a.balance, a.expires_at, a.categories, now() AS now
FROM wallet_merchant m
LEFT JOIN wallet_account ma ON ma.key = $3
LEFT JOIN wallet_account a
       ON a.owner = $1 AND a.kind IN ('cash', 'points') AND a.balance > 0
WHERE m.id = $2
"""

POST = """
WITH l AS MATERIALIZED (
    -- Every row this payment moves, locked in account-id order: the order the general path
    -- (ledger.post) takes its locks in, so a payment, a refund and a payout never wait on each
    -- other in a circle.
    SELECT a.id FROM wallet_account a WHERE a.id = ANY($7::int[]) ORDER BY a.id FOR NO KEY UPDATE
), t AS (
    INSERT INTO wallet_transaction
        (idempotency_key, fingerprint, kind, amount, payer, merchant, related, memo, created_at)
    VALUES ($1, $2, 'payment', $3, $4, $5, NULL, $6, now())
    RETURNING id, created_at
), v AS (
    SELECT * FROM unnest($7::int[], $8::int[]) AS v(id, delta)
), u AS (
    UPDATE wallet_account a SET balance = a.balance + v.delta
    FROM v, (SELECT count(*) AS n FROM l) AS locked
    WHERE a.id = v.id AND locked.n > 0 AND (v.delta >= 0 OR a.balance >= -v.delta)
    RETURNING a.id
), e AS (
    INSERT INTO wallet_entry (ledger_transaction, account, amount)
    SELECT t.id, v.id, v.delta FROM t, v
    RETURNING id
)
SELECT t.id, t.created_at, (SELECT count(*) FROM e) AS entries,
       -- All or nothing: when a conditional debit found less money than step 1 read, fail the
       -- whole statement (a cast that cannot succeed, evaluated only then, at run time), so
       -- no part of it is applied; the caller plans again.
       CASE WHEN (SELECT count(*) FROM u) = cardinality($7::int[]) THEN 0
            ELSE ('wallet: balance changed, legs updated ' || (SELECT count(*) FROM u)::text)::int
       END AS guard
FROM t
"""


def _spendable(rows: list[Any], category: str) -> list[Leg]:
    now = rows[0]["now"]
    points = []
    cash = []
    for row in rows:
        if row["id"] is None:
            continue
        if row["kind"] == "cash":
            cash.append(Leg(row["id"], "cash", row["balance"]))
            continue
        categories = row["categories"]
        if isinstance(categories, str):
            categories = json.loads(categories)
        expires = row["expires_at"]
        if expires is None or expires <= now or (categories and category not in categories):
            continue
        points.append((expires, row["id"], row["balance"]))
    points.sort()
    return [Leg(aid, "points", balance) for _, aid, balance in points] + cash


async def pay(
    payer: int, merchant_id: int, amount: int, *, key: str, fp: str, memo: str
) -> Receipt:
    from shell.wallet import actions

    pool = ledger.engine().pool
    stripe = actions.stripe_of(key)
    stripe_key = actions.stripe_key(merchant_id, stripe)
    for attempt in range(ledger.MAX_ATTEMPTS):
        try:
            async with pool.acquire() as conn:
                try:
                    rows = await conn.fetch(PLAN, payer, merchant_id, stripe_key)
                    if not rows:
                        raise Refused("merchant_unknown")
                    shop = rows[0]
                    if shop["status"] != "approved":
                        raise Refused("merchant_unavailable")
                    target = shop["merchant_account"]
                    if target is None:
                        raise _NoMerchantAccount()
                    legs = [*actions.allocate(_spendable(rows, shop["category"]), amount),
                            Leg(target, "merchant", amount)]  # fmt: skip
                    posted = await conn.fetchrow(
                        POST, key, fp, amount, payer, merchant_id, (memo or shop["name"])[:200],
                        [leg.account_id for leg in legs], [leg.amount for leg in legs],
                    )  # fmt: skip
                except Refused:
                    # The same key sent before gets its first result, whatever has changed.
                    first = await _first(conn, key, fp)
                    if first is None:
                        raise
                    return first
                except Exception as exc:
                    if not ledger._is_duplicate_key(exc):
                        raise
                    # A twin of this request committed first: answer with its result, on
                    # the connection already held (a retrying client's twin costs one more
                    # round trip, not three more trips through the pool's queue).
                    first = await _first(conn, key, fp)
                    if first is None:
                        raise
                    return first
                if posted is None or posted["entries"] != len(legs):
                    raise ledger._Retry()  # pragma: no cover  (the guard fails first)
            return Receipt(posted["id"], "payment", amount, tuple(legs),
                           created_at=posted["created_at"])  # fmt: skip
        except _NoMerchantAccount:
            await actions.merchant_account(merchant_id, stripe)
        except Refused:
            raise
        except Exception as exc:
            if not (ledger._is_duplicate_key(exc) or ledger._is_transient(exc)):
                raise
            if attempt == ledger.MAX_ATTEMPTS - 1:
                raise Refused("busy") from exc
            await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
    raise Refused("busy")


FIND = """
SELECT t.id, t.kind, t.amount, t.created_at, t.fingerprint, e.account, e.amount AS delta,
       a.kind AS account_kind
FROM wallet_transaction t
JOIN wallet_entry e ON e.ledger_transaction = t.id
JOIN wallet_account a ON a.id = e.account
WHERE t.idempotency_key = $1
ORDER BY e.id
"""


async def _first(conn: Any, key: str, fp: str) -> Receipt | None:
    """The receipt of the transaction already applied under ``key``, in one round trip."""
    rows = await conn.fetch(FIND, key)
    if not rows:
        return None
    if rows[0]["fingerprint"] != fp:
        raise Refused("idempotency_key_reused")
    first = rows[0]
    legs = tuple(Leg(r["account"], r["account_kind"], r["delta"]) for r in rows)
    return Receipt(first["id"], first["kind"], first["amount"], legs, replayed=True,
                   created_at=first["created_at"])  # fmt: skip


class _NoMerchantAccount(Exception):
    pass
