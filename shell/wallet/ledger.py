"""Posting to the double-entry ledger: the one place where balances change.

Every movement is :func:`post`-ed inside :func:`run_once`, which gives it

- one database transaction (``BEGIN IMMEDIATE`` on SQLite, so writers queue instead of failing
  to upgrade a read lock; row locks taken by conditional updates on PostgreSQL, in account-id
  order so two payments never wait on each other in a circle);
- its idempotency key: the key is looked up first and its transaction row inserted before any
  balance moves, so a second request with the same key either finds the first result or waits on
  the unique index and then finds it;
- retries when the database reports a serialisation failure, a deadlock or a busy file, or when a
  conditional debit found less money than the plan read a moment before.

A debit of a resident's or a merchant's account is ``UPDATE … SET balance = balance - x WHERE
balance >= x``: if no row matches, nothing moves and the whole transaction is rolled back, so no
such balance is ever negative. Only the outside-world counterparts (:data:`EXTERNAL`) go below 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import random
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from piccolo.engine.sqlite import TransactionType

from shell.wallet.tables import LedgerAccount, LedgerEntry, LedgerTransaction

# The outside world's side of the ledger: money that came in through the gateway, points the
# city issued. Their balances are the negative of what circulates.
EXTERNAL = frozenset({"gateway", "city_points"})
MAX_ATTEMPTS = 12


class Refused(Exception):
    """Nothing moved; ``reason`` names why (routes turn it into a message in the user's
    language)."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class _Retry(Exception):
    """A conditional debit found less than planned: roll back and plan again."""


@dataclass(frozen=True)
class Leg:
    account_id: int
    kind: str
    amount: int  # positive credits, negative debits


@dataclass
class Posting:
    """What a verb wants to move: the legs (summing to zero) and the transaction's fields."""

    kind: str
    amount: int
    legs: list[Leg]
    payer: int | None = None
    merchant: int | None = None
    related: int | None = None
    memo: str = ""
    after: Callable[[int], Awaitable[None]] | None = None  # same DB transaction, once posted


@dataclass(frozen=True)
class Receipt:
    transaction_id: int
    kind: str
    amount: int
    legs: tuple[Leg, ...]
    replayed: bool = False  # True when the key had been applied before: nothing moved now
    created_at: Any = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> int:
        """Points taken from (negative) or given to (positive) the resident."""
        return sum(leg.amount for leg in self.legs if leg.kind == "points")

    @property
    def cash(self) -> int:
        return sum(leg.amount for leg in self.legs if leg.kind == "cash")


def fingerprint(*parts: Any) -> str:
    """A stable hash of what a request asked for, to refuse a key reused for something else."""
    text = json.dumps(parts, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def engine() -> Any:
    return LedgerAccount._meta.db


def transaction() -> Any:
    db = engine()
    if db.engine_type == "sqlite":
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


_writer_locks: dict[int, asyncio.Lock] = {}


def _writer_lock() -> contextlib.AbstractAsyncContextManager[Any]:
    """On SQLite, one writer at a time in this process, in arrival order: SQLite allows one
    writer anyway, and waiting here is fair and prompt where its busy handler sleeps and retries
    (other processes still meet the busy timeout). PostgreSQL needs no such lock."""
    if engine().engine_type != "sqlite":
        return contextlib.nullcontext()
    loop = id(asyncio.get_running_loop())
    lock = _writer_locks.get(loop)
    if lock is None:
        lock = _writer_locks[loop] = asyncio.Lock()
    return lock


def _is_duplicate_key(exc: BaseException) -> bool:
    text = str(exc)
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in text
    return type(exc).__name__ == "UniqueViolationError"


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, _Retry):
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc) or "busy" in str(exc)
    # asyncpg: SerializationError (40001), DeadlockDetectedError (40P01)
    # asyncpg: SerializationError (40001), DeadlockDetectedError (40P01), and pgpay's guard
    # (22P02 from its deliberate cast when a balance changed under it).
    if type(exc).__name__ == "InvalidTextRepresentationError":
        return "wallet: balance changed" in str(exc)
    return type(exc).__name__ in {"SerializationError", "DeadlockDetectedError"}


# Writes in flight in this process, by idempotency key (see :func:`joined`).
_IN_FLIGHT: dict[str, tuple[str, asyncio.Future[Receipt]]] = {}


async def joined(key: str, fp: str, call: Callable[[], Awaitable[Receipt]]) -> Receipt:
    """``call()``, unless the same request (``key`` and ``fp``) is already in flight in this
    process: then its receipt, as a replay. A request sent twice at once (a double tap, a client
    retrying before the first answer came) so costs the database one trip, not a second one that
    waits on the key's unique index, fails and reads the first result. Requests in other
    processes still meet at that index, which stays the rule. If the first fails, the twin goes
    its own way (and is told the same, or applied)."""
    running = _IN_FLIGHT.get(key)
    if running is not None and running[0] == fp:
        try:
            first = await asyncio.shield(running[1])
        except asyncio.CancelledError:
            if not running[1].cancelled():
                raise  # this request itself was cancelled
        else:
            return dataclasses.replace(first, replayed=True)
    future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
    mine = _IN_FLIGHT.setdefault(key, (fp, future)) == (fp, future)
    try:
        receipt = await call()
    except BaseException:
        future.cancel()
        raise
    else:
        future.set_result(receipt)
        return receipt
    finally:
        if mine:
            del _IN_FLIGHT[key]


async def find(key: str) -> Receipt | None:
    row = await LedgerTransaction.select().where(LedgerTransaction.idempotency_key == key).first()
    if row is None:
        return None
    return await _receipt(row, replayed=True)


async def _receipt(row: dict[str, Any], *, replayed: bool) -> Receipt:
    entries = await LedgerEntry.select(
        LedgerEntry.account, LedgerEntry.amount, LedgerEntry.account.kind
    ).where(LedgerEntry.ledger_transaction == row["id"])
    legs = tuple(Leg(e["account"], e["account.kind"], e["amount"]) for e in entries)
    return Receipt(
        row["id"], row["kind"], row["amount"], legs, replayed=replayed, created_at=row["created_at"]
    )


async def run_once(key: str, fp: str, plan: Callable[[], Awaitable[Posting]]) -> Receipt:
    """Apply ``plan`` once for ``key``: the same key again returns the first receipt.

    ``plan`` runs inside the database transaction; it reads what it needs and returns the
    :class:`Posting`, or raises :class:`Refused` (nothing moves).
    """
    if not key or len(key) > 200:
        raise Refused("idempotency_key")
    for attempt in range(MAX_ATTEMPTS):
        try:
            async with _writer_lock(), transaction():
                first = (
                    await LedgerTransaction.select(
                        LedgerTransaction.id, LedgerTransaction.fingerprint
                    )
                    .where(LedgerTransaction.idempotency_key == key)
                    .first()
                )
                if first is None:
                    posting = await plan()
                    txn_id = await post(key, fp, posting)
                    legs = tuple(_merge(posting.legs))
                    if posting.after is not None:
                        await posting.after(txn_id)
            if first is not None:
                if first["fingerprint"] != fp:
                    raise Refused("idempotency_key_reused")
                receipt = await find(key)
                assert receipt is not None
                return receipt
            return Receipt(txn_id, posting.kind, posting.amount, legs)
        except Refused:
            raise
        except Exception as exc:
            if not (_is_duplicate_key(exc) or _is_transient(exc)) or attempt == MAX_ATTEMPTS - 1:
                if _is_transient(exc):
                    raise Refused("busy") from exc
                raise
            # Back off a little, with jitter, so racing writers do not collide again in step.
            await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))
    raise Refused("busy")  # pragma: no cover  (the loop returns or raises)


def _merge(legs: Iterable[Leg]) -> list[Leg]:
    """One leg per account (in account-id order, the order locks are taken in)."""
    merged: dict[int, Leg] = {}
    for leg in legs:
        if leg.amount == 0:
            continue
        had = merged.get(leg.account_id)
        merged[leg.account_id] = Leg(
            leg.account_id, leg.kind, leg.amount + (had.amount if had else 0)
        )
    return [merged[k] for k in sorted(merged) if merged[k].amount != 0]


async def post(key: str, fp: str, posting: Posting) -> int:
    """Insert the transaction, move the cached balances, insert the entries (all inside the
    caller's database transaction)."""
    legs = _merge(posting.legs)
    if posting.amount <= 0 or len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise ValueError(f"unbalanced posting: {posting}")
    rows = await LedgerTransaction.insert(
        LedgerTransaction(
            idempotency_key=key,
            fingerprint=fp,
            kind=posting.kind,
            amount=posting.amount,
            payer=posting.payer,
            merchant=posting.merchant,
            related=posting.related,
            memo=posting.memo[:200],
        )
    ).returning(LedgerTransaction.id)
    txn_id: int = rows[0]["id"]
    for leg in legs:
        change = LedgerAccount.update({LedgerAccount.balance: LedgerAccount.balance + leg.amount})
        condition = LedgerAccount.id == leg.account_id
        if leg.amount < 0 and leg.kind not in EXTERNAL:
            condition &= LedgerAccount.balance >= -leg.amount
        if not await change.where(condition).returning(LedgerAccount.id):
            raise _Retry()
    await LedgerEntry.insert(
        *[
            LedgerEntry(ledger_transaction=txn_id, account=leg.account_id, amount=leg.amount)
            for leg in legs
        ]
    )
    return txn_id


async def account(key: str, kind: str, **fields: Any) -> int:
    """The id of the ledger account ``key``, created (with ``fields``) if it does not exist."""
    found = await LedgerAccount.select(LedgerAccount.id).where(LedgerAccount.key == key).first()
    if found is not None:
        return int(found["id"])
    await LedgerAccount.insert(LedgerAccount(key=key, kind=kind, **fields)).on_conflict(
        action="DO NOTHING"
    )
    found = await LedgerAccount.select(LedgerAccount.id).where(LedgerAccount.key == key).first()
    assert found is not None
    return int(found["id"])
