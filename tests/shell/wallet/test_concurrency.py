"""Payments at once: many residents paying one shop, one resident paying from many requests at
once, and one request sent many times at once. No yen lost, none negative, none applied twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from shell.wallet import actions, ledger, queries, verify
from shell.wallet.ledger import Refused
from shell.wallet.tables import LedgerTransaction
from tests.shell.wallet.conftest import top_up

Resident = Callable[..., Awaitable[int]]


async def attempt(payer: int, merchant: int, amount: int, key: str) -> bool:
    try:
        receipt = await actions.pay_merchant(payer, merchant, amount, key=key)
    except Refused as refused:
        if refused.reason != "insufficient":
            raise
        return False
    return not receipt.replayed


async def test_many_payers_on_one_merchant(db: Any, resident: Resident, merchant: int) -> None:
    payers = [await resident() for _ in range(12)]
    for payer in payers:
        await top_up(payer, 1000)
    results = await asyncio.gather(
        *[attempt(payer, merchant, 100 + i, f"k{i}") for payer in payers for i in range(3)]
    )
    assert all(results)
    assert await queries.merchant_balance(merchant) == 12 * (100 + 101 + 102)
    for payer in payers:
        assert await queries.balances(payer) == {"cash": 1000 - 303, "points": 0}
    assert await verify.problems() == []


async def test_one_payer_in_many_requests_at_once_never_goes_negative(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    await actions.grant_points(payer, 500, expires_at=actions.now() + dt.timedelta(days=9), key="g")
    results = await asyncio.gather(*[attempt(payer, merchant, 70, f"k{i}") for i in range(30)])
    assert sum(results) == 1500 // 70  # exactly as many as the money allows
    assert await queries.balances(payer) == {"cash": 1500 - 70 * 21, "points": 0}
    assert await verify.problems() == []


async def test_one_request_sent_many_times_at_once_is_applied_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    results = await asyncio.gather(*[attempt(payer, merchant, 300, "same") for _ in range(10)])
    assert sum(results) == 1
    assert await LedgerTransaction.count().where(LedgerTransaction.kind == "payment") == 1
    assert await queries.balances(payer) == {"cash": 700, "points": 0}
    assert await verify.problems() == []


async def test_the_same_request_in_several_processes_at_once_is_applied_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    # In one process a twin waits for the first request (above); across processes the key's
    # unique index decides. Calling past the in-process join plays requests from other workers.
    payer = await resident()
    await top_up(payer, 1000)
    fp = ledger.fingerprint("payment", payer, merchant, 300)

    async def elsewhere() -> bool:
        receipt = await actions._pay_merchant(payer, merchant, 300, f"payment:{payer}:k", fp, "")
        return not receipt.replayed

    results = await asyncio.gather(*[elsewhere() for _ in range(6)])
    assert sum(results) == 1
    assert await LedgerTransaction.count().where(LedgerTransaction.kind == "payment") == 1
    assert await queries.balances(payer) == {"cash": 700, "points": 0}
    assert await verify.problems() == []


async def test_refunds_of_one_payment_at_once_never_give_back_more_than_was_paid(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer, other = await resident(), await resident()
    await top_up(payer, 1000)
    await top_up(other, 5000)
    await actions.pay_merchant(other, merchant, 5000, key="takings")  # the shop could pay more
    paid = await actions.pay_merchant(payer, merchant, 800, key="pay")

    async def refund(n: int) -> bool:
        try:
            await actions.refund(paid.transaction_id, 300, merchant_id=merchant, key=f"r{n}")
        except Refused as refused:
            if refused.reason != "refund_too_large":
                raise
            return False
        return True

    results = await asyncio.gather(*[refund(n) for n in range(6)])
    assert sum(results) == 2  # 600 of the 800; a third 300 would be too much
    assert await queries.balances(payer) == {"cash": 800, "points": 0}
    assert await actions.refunded_so_far(paid.transaction_id) == 600
    assert await verify.problems() == []
