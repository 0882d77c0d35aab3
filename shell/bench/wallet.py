"""Wallet payments per second with many payers at once, against a bare single-row UPDATE on the
same database in the same run, and the ledger checked afterwards: no yen lost, no account
negative, no request applied twice (every tenth request is sent twice at once)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import click

from shell.bench.stats import emit, figures

TOP_UP = 100_000


async def _setup(payers: int, run: str) -> tuple[list[int], int]:
    from shell.city.tables import District
    from shell.identity.tables import Account
    from shell.wallet import actions

    district = await District.select(District.id).first()
    if district is None:
        await District.insert(District(code=f"bench-{run}", name="ベンチ", name_kana="べんち"))
        district = await District.select(District.id).first()
    assert district is not None
    rows = await Account.insert(*[
        Account(name=f"bench {i}", name_kana="べんち", birth_date=dt.date(1980, 1, 1),
                district=district["id"], webauthn_user_id=f"bench-{run}-{i}")
        for i in range(payers)
    ]).returning(Account.id)  # fmt: skip
    ids = [row["id"] for row in rows]
    for owner in ids:
        top_up = await actions.start_top_up(owner, TOP_UP, key=f"bench-{run}")
        await actions.credit_top_up(top_up["reference"], gateway_ref="bench", succeeded=True)
    shop = await actions.register_merchant(
        name=f"ベンチ商店 {run}", category="food", owner=ids[0], code=f"B{run[:10]}"
    )
    await actions.set_merchant_status(shop, "approved")
    await actions.merchant_stripes(shop)
    return ids, shop


async def _drive(concurrency: int, count: int, call: Any) -> tuple[list[float], float]:
    """Run ``call(i)`` for i in range(count) with ``concurrency`` workers; latencies in seconds."""
    latencies: list[float] = []
    queue = iter(range(count))

    async def worker() -> None:
        for i in queue:
            began = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - began)

    start = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    return latencies, time.perf_counter() - start


async def _run(url: str, payers: int, concurrency: int, payments: int) -> None:
    from shell import db
    from shell.wallet import actions, verify
    from shell.wallet.ledger import Refused
    from shell.wallet.tables import LedgerAccount, LedgerTransaction

    engine = db.engine_for_url(url)
    db.bind(engine)
    await db.start(engine)
    with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
        await db.migrate()
    run = uuid.uuid4().hex[:12]
    ids, shop = await _setup(payers, run)
    shop_account = await actions.merchant_account(shop)

    async def bare(i: int) -> None:
        await LedgerAccount.update({LedgerAccount.balance: LedgerAccount.balance + 0}).where(
            LedgerAccount.id == shop_account
        )

    refused = 0
    applied_keys: set[str] = set()

    async def pay(i: int) -> None:
        nonlocal refused
        payer = ids[i % len(ids)]
        key = f"bench-{run}-{i}"
        amount = random.randint(1, 300)
        calls = [actions.pay_merchant(payer, shop, amount, key=key)]
        if i % 10 == 0:  # the same request twice at once, as a retrying client would send it
            calls.append(actions.pay_merchant(payer, shop, amount, key=key))
        for outcome in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(outcome, Refused):
                refused += 1
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                applied_keys.add(key)

    # Warm up both paths: a server that has been running has its pool's connections open and
    # the payment's statements prepared on each; the first burst would otherwise measure that.
    warm_up = min(200, payments)
    await _drive(concurrency, warm_up, bare)
    base_lat, base_time = await _drive(concurrency, payments, bare)
    emit({"name": "wallet", "what": "bare single-row UPDATE", **figures(base_lat, base_time)})
    await _drive(concurrency, warm_up, lambda i: pay(payments + i))
    lat, elapsed = await _drive(concurrency, payments, pay)
    result = figures(lat, elapsed)
    emit({"name": "wallet", "what": "payments", **result})

    held = await LedgerAccount.select(LedgerAccount.balance).where(
        LedgerAccount.owner.is_in(ids) | (LedgerAccount.merchant == shop)
    )
    lost_yen = payers * TOP_UP - sum(row["balance"] for row in held)
    problems = await verify.problems()
    negative = sum(1 for p in problems if "negative balance" in p)
    applied = await LedgerTransaction.count().where(
        (LedgerTransaction.merchant == shop) & (LedgerTransaction.kind == "payment")
    )
    baseline = figures(base_lat, base_time)
    emit({"name": "wallet", "summary": True, **result,
          "baseline_per_second": baseline["per_second"],
          "ratio": round(result["per_second"] / baseline["per_second"], 3),
          "lost_yen": lost_yen, "negative_accounts": negative,
          "duplicate_applications": applied - len(applied_keys),
          "verify_problems": len(problems), "refused": refused,
          "payers": payers, "concurrency": concurrency, "payments": payments,
          "engine": engine.engine_type})  # fmt: skip
    await db.stop(engine)


@click.command("wallet")
@click.option("--database", default="", help="Database URL (default: a new SQLite file).")
@click.option("--payers", default=64, show_default=True, help="Residents paying.")
@click.option("--concurrency", default=64, show_default=True, help="Payments in flight at once.")
@click.option("--payments", default=3000, show_default=True, help="Payments to measure.")
def wallet(database: str, payers: int, concurrency: int, payments: int) -> None:
    """Wallet payments per second vs a bare single-row UPDATE; lost yen, negatives, duplicates."""
    with tempfile.TemporaryDirectory() as folder:
        url = database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        asyncio.run(_run(url, payers, concurrency, payments))
