"""A shop's takings striped over several ledger accounts: payments spread over them, the balance
is their sum, ``verify`` checks each, refunds take from as many as they need, and payments and
refunds of the same resident at the same shop at once never deadlock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from shell.wallet import actions, queries, verify
from shell.wallet.tables import LedgerAccount
from tests.shell.wallet.conftest import top_up

Resident = Callable[..., Awaitable[int]]


async def stripe_balances(merchant: int) -> dict[str, int]:
    rows = await LedgerAccount.select(LedgerAccount.key, LedgerAccount.balance).where(
        (LedgerAccount.merchant == merchant) & (LedgerAccount.kind == "merchant")
    )
    return {row["key"]: row["balance"] for row in rows}


async def test_payments_spread_over_stripes_and_the_balance_is_their_sum(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 10_000)
    for i in range(24):
        await actions.pay_merchant(payer, merchant, 100, key=f"p{i}")
    stripes = await stripe_balances(merchant)
    assert len([b for b in stripes.values() if b > 0]) > 4  # not one hot row
    assert sum(stripes.values()) == await queries.merchant_balance(merchant) == 2400
    assert await verify.problems() == []
    busiest = max(stripes, key=lambda k: stripes[k])
    await db.run_ddl(f"UPDATE wallet_account SET balance = balance + 1 WHERE key = '{busiest}'")
    assert any(p.startswith(f"account {busiest}: cached balance") for p in await verify.problems())


async def test_a_refund_takes_from_several_stripes_and_back_to_the_original_split(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    big = await actions.pay_merchant(payer, merchant, 1000, key="big")
    for i in range(20):
        await actions.pay_merchant(payer, merchant, 100, key=f"s{i}")
    stripes = await actions.merchant_stripes(merchant)
    ids = sorted(stripes)
    # A refund key whose first stripe holds some takings but less than the refund.
    key = next(
        f"r{n}" for n in range(500)
        if 0 < stripes[ids[actions.stripe_of(f"refund:r{n}")]] < 1000
    )  # fmt: skip
    refunded = await actions.refund(big.transaction_id, 1000, merchant_id=merchant, key=key)
    assert len([leg for leg in refunded.legs if leg.kind == "merchant"]) > 1
    assert refunded.cash == 1000
    assert await queries.merchant_balance(merchant) == 2000
    assert await queries.balances(payer) == {"cash": 3000, "points": 0}
    assert await verify.problems() == []


async def test_payments_and_refunds_of_one_resident_at_one_shop_at_once_do_not_deadlock(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    paid = [await actions.pay_merchant(payer, merchant, 100, key=f"a{i}") for i in range(10)]
    calls = [actions.pay_merchant(payer, merchant, 30, key=f"b{i}") for i in range(20)]
    calls += [actions.refund(p.transaction_id, 100, merchant_id=merchant, key="r") for p in paid]
    results = await asyncio.gather(*calls)  # "busy" (retries exhausted) would raise Refused
    assert len(results) == 30
    assert await queries.balances(payer) == {"cash": 5000 - 600, "points": 0}
    assert await queries.merchant_balance(merchant) == 600
    assert await verify.problems() == []
