"""Payouts: the city pays shops their takings up to the end of a period, once per shop and
period, into the payouts-in-transit account, with a 全銀 (Zengin) transfer file for the bank."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shell.audit.tables import AuditEntry
from shell.wallet import actions, payouts, queries, verify
from shell.wallet.ledger import Refused
from shell.wallet.payouts import Origin, Transfer, zengin_kana, zengin_records
from shell.wallet.queries import TOKYO
from shell.wallet.tables import LedgerEntry, LedgerTransaction, Payout
from tests.shell.wallet.conftest import top_up

Resident = Callable[..., Awaitable[int]]
TODAY = dt.datetime.now(TOKYO).date()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


async def snapshot() -> tuple[int, int, int]:
    return await LedgerTransaction.count(), await LedgerEntry.count(), await Payout.count()


async def backdate(days: int) -> None:
    """Move every payment made so far ``days`` back in time (takings of an earlier day)."""
    await LedgerTransaction.update(
        {LedgerTransaction.created_at: LedgerTransaction.created_at - dt.timedelta(days=days)}
    ).where(LedgerTransaction.kind == "payment")


async def with_bank(merchant: int) -> None:
    await payouts.set_bank_account(merchant, bank_code="0182", branch_code="101",
                                   account_type="1", account_number="1234567",
                                   holder="タケオショウテン")  # fmt: skip


def test_zengin_records_are_120_single_byte_characters_in_their_places() -> None:
    origin = Origin(requester_code="1234567890", requester_name=zengin_kana("タケオシ"),
                    bank_code="0182", branch_code="001", account_number="7654321")  # fmt: skip
    yamada, shop = zengin_kana("やまだ　たろう"), zengin_kana("ｶ)ﾀｹｵｼｮｳﾃﾝ")
    transfers = [Transfer("0001", "023", "1", "0012345", yamada, 15000, "5"),
                 Transfer("0182", "101", "2", "1234567", shop, 980, "6")]  # fmt: skip
    header, first, second, trailer, end = zengin_records(origin, transfers, dt.date(2026, 12, 3))
    for record in (header, first, second, trailer, end):
        assert len(record.encode("cp932")) == 120
    assert header[:4] == "1210"
    assert header[4:14] == "1234567890"
    assert header[14:54].rstrip() == "ﾀｹｵｼ"
    assert header[54:58] == "1203"
    assert header[58:62] == "0182"
    assert header[77:80] == "001"
    assert header[96:103] == "7654321"
    assert first[0] == "2"
    assert first[1:5] == "0001"
    assert first[20:23] == "023"
    assert first[42] == "1"
    assert first[43:50] == "0012345"
    assert first[50:80].rstrip() == "ﾔﾏﾀﾞ ﾀﾛｳ"  # hiragana to half-width kana, voiced marks apart
    assert first[80:90] == "0000015000"
    assert first[91:101].rstrip() == "5"
    assert second[50:80].rstrip() == "ｶ)ﾀｹｵｼﾖｳﾃﾝ"  # small kana written large, as banks want
    assert trailer[:19] == "8" + "000002" + "000000015980"
    assert end == "9" + " " * 119
    text = payouts.zengin_file(origin, transfers, dt.date(2026, 12, 3))
    assert text.count("\r\n") == 5
    assert len(text.encode("cp932")) == 5 * 122
    with pytest.raises(ValueError):
        zengin_kana("武雄商店")  # kanji cannot go in a bank file


async def test_a_payout_moves_takings_up_to_the_period_end_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    await with_bank(merchant)
    await actions.pay_merchant(payer, merchant, 1000, key="a")
    await actions.pay_merchant(payer, merchant, 500, key="b")
    await backdate(3)
    await actions.pay_merchant(payer, merchant, 200, key="today")  # after the cutoff: stays
    result = await payouts.run(days_ago(3), days_ago(2), key="run-1")
    assert result.total == 1500
    assert result.skipped == []
    assert await queries.merchant_balance(merchant) == 200
    assert await payouts.in_transit() == 1500
    assert await verify.problems() == []
    before = await snapshot()
    again = await payouts.run(days_ago(3), days_ago(2), key="run-1")  # the same form twice
    assert again.run_id == result.run_id
    assert again.total == 1500
    for key, start in (("run-2", days_ago(3)), ("run-3", days_ago(9))):  # same or overlapping
        with pytest.raises(Refused) as refused:
            await payouts.run(start, days_ago(1), key=key)
        assert refused.value.reason == "payout_nothing"
    assert await snapshot() == before
    run_file = (await payouts.runs())[0]
    assert (run_file["count"], run_file["total"]) == (1, 1500)
    csv_text = await payouts.run_csv(result.run_id)
    assert "0182,101,1,1234567,ﾀｹｵｼﾖｳﾃﾝ,1500" in csv_text


async def test_bad_payouts_move_nothing_and_say_why(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    await actions.pay_merchant(payer, merchant, 1000, key="a")
    await backdate(2)
    before = await snapshot()

    async def refused(start: dt.date, end: dt.date, **kwargs: Any) -> str:
        with pytest.raises(Refused) as caught:
            await payouts.run(start, end, key="k", **kwargs)
        return caught.value.reason

    assert await refused(days_ago(1), TODAY) == "payout_future"
    assert await refused(days_ago(1), days_ago(3)) == "payout_period"
    assert await refused(days_ago(3), days_ago(1), merchant_id=merchant) == "payout_no_bank"
    await with_bank(merchant)
    await actions.set_merchant_status(merchant, "suspended")
    assert await refused(days_ago(3), days_ago(1), merchant_id=merchant) == "payout_suspended"
    assert await refused(days_ago(3), days_ago(1)) == "payout_nothing"  # no approved shop
    await actions.set_merchant_status(merchant, "approved")
    assert await refused(days_ago(9), days_ago(5)) == "payout_nothing"  # before any takings
    assert await snapshot() == before
    for bad in ({"bank_code": "12"}, {"account_number": "12345678"}, {"holder": "武雄"}):
        fields = {"bank_code": "0182", "branch_code": "101", "account_type": "1",
                  "account_number": "1", "holder": "タケオ", **bad}  # fmt: skip
        with pytest.raises(Refused):
            await payouts.set_bank_account(merchant, **fields)


async def test_after_a_payout_a_refund_beyond_the_takings_is_refused(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    await with_bank(merchant)
    paid = await actions.pay_merchant(payer, merchant, 1000, key="a")
    await backdate(2)
    await payouts.run(days_ago(2), days_ago(1), key="run")
    await actions.pay_merchant(payer, merchant, 300, key="b")
    before = await snapshot()
    with pytest.raises(Refused) as refused:
        await actions.refund(paid.transaction_id, 500, merchant_id=merchant, key="r")
    assert refused.value.reason == "merchant_insufficient"
    assert await snapshot() == before
    await actions.refund(paid.transaction_id, 300, merchant_id=merchant, key="r2")
    assert await queries.merchant_balance(merchant) == 0
    assert await verify.problems() == []


async def test_payout_runs_at_once_with_payments_and_refunds_pay_each_yen_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    payers = [await resident() for _ in range(4)]
    for payer in payers:
        await top_up(payer, 5000)
    await with_bank(merchant)
    old = [await actions.pay_merchant(p, merchant, 700, key="old") for p in payers]
    await backdate(2)

    async def attempt(call: Awaitable[Any]) -> Any:
        try:
            return await call
        except Refused as exc:
            return exc.reason

    outcomes = await asyncio.gather(
        *[attempt(payouts.run(days_ago(2), days_ago(1), key=f"run-{i}")) for i in range(3)],
        *[attempt(actions.pay_merchant(p, merchant, 100, key="new")) for p in payers],
        *[attempt(actions.refund(r.transaction_id, 50, merchant_id=merchant, key="r"))
          for r in old],
    )  # fmt: skip
    runs = [o for o in outcomes[:3] if isinstance(o, payouts.RunResult)]
    assert len(runs) == 1
    assert all(o == "payout_nothing" for o in outcomes[:3] if o not in runs)
    paid_out = runs[0].total
    assert await Payout.count() == 1
    # Every yen the shop took is paid out, still held, or refunded (never two of these).
    refunded = sum(50 for o in outcomes[7:] if not isinstance(o, str))
    assert all(o == "merchant_insufficient" for o in outcomes[7:] if isinstance(o, str))
    held = await queries.merchant_balance(merchant)
    assert paid_out + held + refunded == 4 * 700 + 4 * 100
    assert await payouts.in_transit() == paid_out
    assert await verify.problems() == []


async def test_the_bank_s_results_clear_or_return_each_transfer_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    other = await actions.register_merchant(name="鹿島商店", category="retail",
                                            owner=await resident("店主 二郎"))  # fmt: skip
    await actions.set_merchant_status(other, "approved")
    payer = await resident()
    await top_up(payer, 5000)
    for shop in (merchant, other):
        await with_bank(shop)
    await actions.pay_merchant(payer, merchant, 1200, key="a")
    await actions.pay_merchant(payer, other, 800, key="b")
    await backdate(3)
    result = await payouts.run(days_ago(3), days_ago(2), key="run")
    mine, theirs = sorted(result.paid, key=lambda p: p["merchant"] != merchant)
    assert await payouts.in_transit() == 2000

    # The bank could not pay the first shop: its 1,200 yen go back to its takings, once.
    returned = await payouts.settle(mine["id"], "returned", reason="no_account")
    assert returned.amount == 1200
    assert await queries.merchant_balance(merchant) == 1200
    assert await payouts.in_transit() == 800
    again = await payouts.settle(mine["id"], "returned", reason="no_account")
    assert again.replayed
    assert again.transaction_id == returned.transaction_id
    before = await snapshot()
    for outcome, reason, why in (("paid", "", "payout_settled"),
                                 ("returned", "closed", "payout_settled"),
                                 ("returned", "because", "payout_return_reason"),
                                 ("lost", "", "payout_outcome")):  # fmt: skip
        with pytest.raises(Refused) as refused:
            await payouts.settle(mine["id"], outcome, reason=reason)
        assert refused.value.reason == why
    with pytest.raises(Refused) as refused:
        await payouts.settle(10_000, "paid")
    assert refused.value.reason == "payout_unknown"
    assert await snapshot() == before

    # The rest of the file went through: it has left the wallet.
    done = await payouts.settle_run(result.run_id)
    assert [p["id"] for p in done] == [theirs["id"]]
    assert await payouts.settle_run(result.run_id) == []
    assert await payouts.in_transit() == 0
    statuses = {p["id"]: (p["status"], p["return_reason"])
                for p in await payouts.payouts_of_run(result.run_id)}  # fmt: skip
    assert statuses == {mine["id"]: ("returned", "no_account"), theirs["id"]: ("paid", "")}
    assert await verify.problems() == []

    # The returned takings go with the shop's next payout, together with newer ones.
    await actions.pay_merchant(payer, merchant, 300, key="c")
    await backdate(1)
    later = await payouts.run(days_ago(1), days_ago(1), key="run-2", merchant_id=merchant)
    assert later.total == 1500
    assert await queries.merchant_balance(merchant) == 0
    assert await verify.problems() == []


async def test_two_results_for_one_transfer_at_once_move_it_once(
    db: Any, resident: Resident, merchant: int
) -> None:
    payer = await resident()
    await top_up(payer, 5000)
    await with_bank(merchant)
    await actions.pay_merchant(payer, merchant, 1000, key="a")
    await backdate(2)
    payout = (await payouts.run(days_ago(2), days_ago(1), key="run")).paid[0]

    async def attempt(outcome: str, reason: str) -> str:
        try:
            await payouts.settle(payout["id"], outcome, reason=reason)
        except Refused as exc:
            return exc.reason
        return outcome

    outcomes = await asyncio.gather(
        *[attempt("paid", "") for _ in range(3)],
        *[attempt("returned", "closed") for _ in range(3)],
    )  # fmt: skip
    winner = "paid" if "paid" in outcomes else "returned"
    loser = "returned" if winner == "paid" else "paid"
    assert loser not in outcomes
    assert set(outcomes) == {winner, "payout_settled"} or set(outcomes) == {winner}
    assert (
        await LedgerTransaction.count().where(
            LedgerTransaction.kind.is_in(["payout_paid", "payout_returned"])
        )
        == 1
    )
    assert await queries.merchant_balance(merchant) == (1000 if winner == "returned" else 0)
    assert await payouts.in_transit() == 0
    assert await verify.problems() == []


async def test_staff_run_a_payout_and_the_shop_sees_it(app: Any, districts: Any) -> None:
    from shell.staff.actions import grant_role
    from tests.shell.wallet.test_routes import form, person

    async with person(app, "職員 一郎") as (staff, officer), person(app, "店主") as (
        shop_client, owner,
    ), person(app, "武雄 花子") as (_, me):  # fmt: skip
        await grant_role(officer["id"], "finance", by=None)
        shop_id = await actions.register_merchant(name="八百屋", category="food", owner=owner["id"])
        await actions.set_merchant_status(shop_id, "approved")
        bad = await shop_client.post(f"/wallet/shop/{shop_id}/bank", **form(
            shop_client, bank_code="0182", branch_code="101", account_type="1",
            account_number="1234567", holder="八百屋"))  # fmt: skip
        assert bad.status_code == 400
        assert 'data-testid="bank-error"' in bad.text
        saved = await shop_client.post(f"/wallet/shop/{shop_id}/bank", **form(
            shop_client, bank_code="0182", branch_code="101", account_type="1",
            account_number="1234567", holder="ヤオヤ"))  # fmt: skip
        assert saved.status_code == 200
        assert 'data-testid="bank-saved"' in saved.text
        await top_up(me["id"], 3000)
        await actions.pay_merchant(me["id"], shop_id, 1800, key="p")
        await backdate(1)
        today = TODAY.isoformat()
        future = await staff.post("/staff/wallet/payouts", **form(
            staff, start=today, end=today, merchant="", key="k1"))  # fmt: skip
        assert future.status_code == 400
        assert 'data-testid="payout-error"' in future.text
        done = await staff.post("/staff/wallet/payouts", **form(
            staff, start=days_ago(1).isoformat(), end=days_ago(1).isoformat(), merchant="",
            key="k2"))  # fmt: skip
        assert done.status_code == 200, done.text
        assert 'data-testid="payout-result"' in done.text
        run_id = re.search(r'data-testid="payout-run-(\d+)"', done.text)[1]
        bank_file = await staff.get(f"/staff/wallet/payouts/{run_id}/zengin.txt")
        assert bank_file.status_code == 200
        lines = bank_file.content.split(b"\r\n")
        assert [len(line) for line in lines[:4]] == [120] * 4
        assert lines[1][80:90] == b"0000001800"
        assert lines[1][50:53].decode("cp932") == "ﾔｵﾔ"
        console = await shop_client.get(f"/wallet/shop/{shop_id}")
        assert 'data-testid="shop-payouts"' in console.text
        assert "1,800" in console.text
        assert (await shop_client.get(f"/staff/wallet/payouts/{run_id}.csv")).status_code in {
            403, 404}  # fmt: skip
        assert await verify.problems() == []

        # The bank returns the transfer: staff record it on the run's page, the shop is told.
        page = await staff.get(f"/staff/wallet/payouts/{run_id}")
        assert page.status_code == 200
        payout_id = re.search(r'name="payout" value="(\d+)"', page.text)[1]
        assert (await shop_client.get(f"/staff/wallet/payouts/{run_id}")).status_code in {
            403, 404}  # fmt: skip
        no_reason = await staff.post(f"/staff/wallet/payouts/{run_id}/returned", **form(
            staff, payout=payout_id, reason=""))  # fmt: skip
        assert no_reason.status_code == 400
        assert "振込不能の理由を選んでください" in no_reason.text
        returned = await staff.post(f"/staff/wallet/payouts/{run_id}/returned", **form(
            staff, payout=payout_id, reason="name_mismatch"))  # fmt: skip
        assert returned.status_code == 200, returned.text
        assert 'data-testid="payout-run-message"' in returned.text
        assert 'data-testid="run-paid"' not in returned.text  # nothing left to clear
        twice = await staff.post(f"/staff/wallet/payouts/{run_id}/returned", **form(
            staff, payout=payout_id, reason="closed"))  # fmt: skip
        assert twice.status_code == 400
        assert "すでに記録されています" in twice.text
        console = await shop_client.get(f"/wallet/shop/{shop_id}")
        assert f'data-testid="shop-payout-{payout_id}"' in console.text
        assert "振込できませんでした" in console.text
        assert "口座名義が違います" in console.text
        assert await queries.merchant_balance(shop_id) == 1800
        inbox = await shop_client.get("/inbox")
        assert "売上の振込が戻ってきました" in inbox.text
        trail = await AuditEntry.select().where(AuditEntry.action == "wallet.payout_returned")
        assert [row["subject"] for row in trail] == [f"payout:{payout_id}"]
        assert await verify.problems() == []
