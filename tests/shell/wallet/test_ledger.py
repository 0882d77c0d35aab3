"""The ledger's verbs: money moves once, in integer yen, points before cash, and bad input
moves nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shell.wallet import actions, queries, verify
from shell.wallet.ledger import Refused
from shell.wallet.tables import Campaign, LedgerEntry, LedgerTransaction
from tests.shell.wallet.conftest import top_up

Resident = Callable[..., Awaitable[int]]


def later(days: int) -> dt.datetime:
    return actions.now() + dt.timedelta(days=days)


async def snapshot() -> tuple[int, int]:
    return await LedgerTransaction.count(), await LedgerEntry.count()


async def test_top_up_then_pay_moves_cash_to_the_merchant(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    receipt = await actions.pay_merchant(payer, merchant, 1200, key="a")
    assert (receipt.cash, receipt.points) == (-1200, 0)
    assert await queries.balances(payer) == {"cash": 3800, "points": 0}
    assert await queries.merchant_balance(merchant) == 1200
    assert await verify.problems() == []


async def test_points_are_spent_before_cash_earliest_expiry_first(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    await actions.grant_points(payer, 300, expires_at=later(30), key="late")
    await actions.grant_points(payer, 200, expires_at=later(3), key="soon")
    receipt = await actions.pay_merchant(payer, merchant, 400, key="p")
    assert (receipt.points, receipt.cash) == (-400, 0)
    lots = await queries.point_lots(payer)
    assert [(lot["balance"], lot["expires_at"] > later(10)) for lot in lots] == [(100, True)]
    receipt = await actions.pay_merchant(payer, merchant, 300, key="q")
    assert (receipt.points, receipt.cash) == (-100, -200)
    assert await queries.balances(payer) == {"cash": 800, "points": 0}
    assert await verify.problems() == []


async def test_points_for_other_shop_categories_are_not_spent(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 100)
    await actions.grant_points(payer, 500, expires_at=later(5), key="g", categories=["retail"])
    with pytest.raises(Refused) as refused:
        await actions.pay_merchant(payer, merchant, 200, key="x")  # a food shop
    assert refused.value.reason == "insufficient"
    assert (await actions.pay_merchant(payer, merchant, 100, key="y")).cash == -100


@pytest.mark.parametrize(("categories", "spendable"), [([], True), (["food"], True),
                                                     (["retail"], False)])  # fmt: skip
async def test_campaign_points_are_spendable_where_the_campaign_says(
    db: Any, resident: Resident, merchant: int, categories: list[str], spendable: bool
) -> None:
    payer = await resident()
    campaign = (await Campaign.insert(Campaign(
        name="応援", amount=500, categories=categories, expires_at=later(30), status="draft",
    )).returning(Campaign.id))[0]["id"]  # fmt: skip
    assert await actions.issue_campaign(campaign, [payer]) == 1
    if spendable:
        assert (await actions.pay_merchant(payer, merchant, 500, key="p")).points == -500
    else:
        with pytest.raises(Refused):
            await actions.pay_merchant(payer, merchant, 500, key="p")  # a food shop


async def test_the_same_key_returns_the_first_result_and_moves_nothing_more(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    first = await actions.pay_merchant(payer, merchant, 300, key="same")
    again = await actions.pay_merchant(payer, merchant, 300, key="same")
    assert again.replayed
    assert again.transaction_id == first.transaction_id
    assert await queries.balances(payer) == {"cash": 700, "points": 0}
    with pytest.raises(Refused) as refused:
        await actions.pay_merchant(payer, merchant, 999, key="same")
    assert refused.value.reason == "idempotency_key_reused"


async def test_a_replayed_gateway_callback_credits_once(db: Any, resident: Resident) -> None:
    payer = await resident()
    row = await actions.start_top_up(payer, 2000, key="t")
    assert (await actions.start_top_up(payer, 2000, key="t"))["id"] == row["id"]
    one = await actions.credit_top_up(row["reference"], gateway_ref="g1", succeeded=True)
    two = await actions.credit_top_up(row["reference"], gateway_ref="g1", succeeded=True)
    assert one
    assert two
    assert two.replayed
    assert one.transaction_id == two.transaction_id
    assert await queries.balances(payer) == {"cash": 2000, "points": 0}


async def test_a_failed_top_up_credits_nothing_and_stays_failed(
    db: Any, resident: Resident
) -> None:
    payer = await resident()
    row = await actions.start_top_up(payer, 2000, key="t")
    assert await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=False) is None
    with pytest.raises(Refused):
        await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=True)
    assert await queries.balances(payer) == {"cash": 0, "points": 0}


@pytest.mark.parametrize("amount", [0, -100, 1_000_001])
async def test_bad_amounts_move_nothing(
    db: Any, resident: Resident, merchant: int, amount: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    before = await snapshot()
    with pytest.raises(Refused):
        await actions.pay_merchant(payer, merchant, amount, key="bad")
    assert await snapshot() == before
    assert await queries.balances(payer) == {"cash": 1000, "points": 0}


async def test_paying_more_than_the_balance_moves_nothing(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    before = await snapshot()
    with pytest.raises(Refused) as refused:
        await actions.pay_merchant(payer, merchant, 1001, key="over")
    assert refused.value.reason == "insufficient"
    assert await snapshot() == before


async def test_a_suspended_merchant_cannot_be_paid(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    await actions.set_merchant_status(merchant, "suspended")
    before = await snapshot()
    with pytest.raises(Refused) as refused:
        await actions.pay_merchant(payer, merchant, 100, key="s")
    assert refused.value.reason == "merchant_unavailable"
    assert await snapshot() == before


async def test_partial_refunds_go_back_to_the_original_split_and_never_exceed_the_payment(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    await actions.grant_points(payer, 300, expires_at=later(10), key="g")
    paid = await actions.pay_merchant(payer, merchant, 800, key="p")
    assert (paid.points, paid.cash) == (-300, -500)
    first = await actions.refund(paid.transaction_id, 600, merchant_id=merchant, key="r1")
    assert (first.cash, first.points) == (500, 100)
    before = await snapshot()
    with pytest.raises(Refused) as refused:
        await actions.refund(paid.transaction_id, 201, merchant_id=merchant, key="r2")
    assert refused.value.reason == "refund_too_large"
    assert await snapshot() == before
    last = await actions.refund(paid.transaction_id, 200, merchant_id=merchant, key="r3")
    assert (last.cash, last.points) == (0, 200)
    assert await queries.balances(payer) == {"cash": 1000, "points": 300}
    assert await queries.merchant_balance(merchant) == 0
    assert await verify.problems() == []


async def test_one_time_code_pays_once_and_a_replay_moves_nothing(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    code = await actions.issue_one_time_code(payer)
    await actions.charge_one_time_code(code, merchant, 400, key="c1")
    before = await snapshot()
    with pytest.raises(Refused) as refused:
        await actions.charge_one_time_code(code, merchant, 400, key="c2")
    assert refused.value.reason == "code_used"
    assert await snapshot() == before
    assert await queries.balances(payer) == {"cash": 600, "points": 0}


async def test_expiry_moves_points_back_to_the_city_and_keeps_the_entries(
    db: Any, resident: Resident
) -> None:
    payer = await resident()
    await actions.grant_points(payer, 500, expires_at=later(1), key="g")
    assert await actions.expire_points(at=later(0)) == 0
    assert await actions.expire_points(at=later(2)) == 500
    assert await actions.expire_points(at=later(2)) == 0
    assert await queries.balances(payer) == {"cash": 0, "points": 0}
    assert await LedgerEntry.count() == 4  # grant and expiry, two entries each
    assert await verify.problems() == []


async def test_a_reversal_undoes_a_payment_with_new_entries(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    paid = await actions.pay_merchant(payer, merchant, 300, key="p")
    await actions.reverse(paid.transaction_id, key="fix")
    with pytest.raises(Refused):
        await actions.reverse(paid.transaction_id, key="fix-again")
    assert await queries.balances(payer) == {"cash": 1000, "points": 0}
    assert await LedgerTransaction.count() == 3
    assert await verify.problems() == []


async def test_verify_names_a_tampered_balance_and_a_tampered_entry(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 1000)
    await actions.pay_merchant(payer, merchant, 300, key="p")
    await db.run_ddl(f"UPDATE wallet_account SET balance = balance + 5 WHERE key = 'cash:{payer}'")
    await db.run_ddl("UPDATE wallet_entry SET amount = amount - 1 WHERE amount = 300")
    found = await verify.problems()
    assert any(f"account cash:{payer}: cached balance 705" in p for p in found), found
    assert any("the ledger sums to -1 yen" in p for p in found), found


async def test_circulation_by_category_district_and_day_nets_refunds(
    db: Any, resident: Resident, merchant: int, districts: list[dict[str, Any]]
) -> None:
    from shell.wallet.tables import Merchant

    await Merchant.update({Merchant.district: districts[1]["id"]}).where(Merchant.id == merchant)
    payer = await resident()
    await top_up(payer, 1000)
    paid = await actions.pay_merchant(payer, merchant, 700, key="p")
    await actions.refund(paid.transaction_id, 200, merchant_id=merchant, key="r")
    figures = await queries.circulation()
    assert figures["totals"] == {"cash": 500, "points": 0, "merchant": 500}
    assert figures["by_category"] == {"food": 500}
    assert figures["by_district"] == {districts[1]["name"]: 500}
    assert list(figures["by_day"].values()) == [500]


async def test_receipts_reach_the_inbox_in_the_residents_language(
    db: Any, jobs: Any, resident: Resident, merchant: int
) -> None:
    from shell.identity.tables import Account
    from shell.notifications import queries as inbox
    from shell.wallet import receipts

    payer = await resident()
    await Account.update({Account.language: "en"}).where(Account.id == payer)
    await top_up(payer, 1000)
    paid = await actions.pay_merchant(payer, merchant, 300, key="p")
    await receipts.payment(payer, paid, "武雄商店")
    again = await actions.pay_merchant(payer, merchant, 300, key="p")
    await receipts.payment(payer, again, "武雄商店")  # a replay sends no second receipt
    refunded = await actions.refund(paid.transaction_id, 100, merchant_id=merchant, key="r")
    await receipts.refund(payer, refunded, "武雄商店")
    items = await inbox.inbox(payer, "en")
    assert [item["title"] for item in items] == ["Refund", "Payment receipt"]
    assert "You paid 300 yen at 武雄商店" in items[1]["body"]
    assert items[1]["url"] == "/wallet"
