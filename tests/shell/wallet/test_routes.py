"""The wallet over HTTP: top-up through the local gateway (success, failure, signed callback),
paying a shop by its QR, the merchant's live list, refunds and settlement, and the staff side."""

from __future__ import annotations

import datetime as dt
import json
import re
from contextlib import asynccontextmanager
from typing import Any

from shell.identity.tables import Account
from shell.staff.actions import grant_role
from shell.wallet import actions, qr, queries, verify
from shell.wallet.gateway import LocalGateway, Outcome
from shell.wallet.merchant_routes import payload_of
from shell.wallet.tables import LedgerTransaction, TopUp
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup

FORM = {"content-type": "application/x-www-form-urlencoded"}


@asynccontextmanager
async def person(app: Any, name: str):
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator(), name=name, name_kana="てすと")
        account = await Account.select().where(Account.name == name).first()
        yield client, account


def form(client: Any, **fields: Any) -> dict[str, Any]:
    return {"data": fields, "headers": {**csrf_headers(client), "accept": "text/html"}}


async def test_top_up_through_the_local_gateway_credits_cash_once(app, districts) -> None:
    async with person(app, "武雄 花子") as (client, me):
        page = await client.get("/wallet")
        assert page.status_code == 200
        key = re.search(r'name="key" value="([^"]+)"', page.text)[1]
        started = await client.post("/wallet/topup", **form(client, amount="3000", key=key))
        assert started.status_code == 303
        gateway_page = started.headers["location"]
        assert gateway_page.startswith("/wallet/gateway/local/")
        assert "3,000" in (await client.get(gateway_page)).text
        done = await client.post(gateway_page, **form(client, outcome="pay"))
        assert done.status_code == 303
        result = await client.get(done.headers["location"])
        assert "チャージしました" in result.text
        # The gateway retrying its callback, and the resident pressing back and paying again.
        await client.post(gateway_page, **form(client, outcome="pay"))
        assert await queries.balances(me["id"]) == {"cash": 3000, "points": 0}
        assert await verify.problems() == []


async def test_a_failed_gateway_payment_credits_nothing(app, districts) -> None:
    async with person(app, "武雄 花子") as (client, me):
        started = await client.post("/wallet/topup", **form(client, amount="1000", key="k1"))
        done = await client.post(started.headers["location"], **form(client, outcome="fail"))
        assert "お金は動いていません" in (await client.get(done.headers["location"])).text
        assert await queries.balances(me["id"]) == {"cash": 0, "points": 0}


async def test_gateway_callback_needs_a_valid_signature(app, client, settings, districts) -> None:
    async with person(app, "武雄 花子") as (browser, me):
        started = await browser.post("/wallet/topup", **form(browser, amount="1000", key="k"))
        reference = started.headers["location"].rsplit("/", 1)[1]
    gateway = LocalGateway(settings.resolved_secret(), settings.public_url)
    headers, body = gateway.sign(Outcome(reference, "psp-1", True))
    forged = {**headers, "x-gateway-signature": "0" * 64}
    bad = await client.post("/api/wallet/gateway/local/callback", content=body, headers=forged)
    assert bad.status_code == 400
    assert await queries.balances(me["id"]) == {"cash": 0, "points": 0}
    for _ in range(2):  # a PSP retries callbacks: the second changes nothing
        ok = await client.post("/api/wallet/gateway/local/callback", content=body, headers=headers)
        assert ok.status_code == 200, ok.text
    assert await queries.balances(me["id"]) == {"cash": 1000, "points": 0}
    assert await TopUp.count().where(TopUp.status == "succeeded") == 1


async def test_pay_by_qr_then_the_merchant_sees_it_and_refunds_part(app, districts) -> None:
    async with person(app, "店主 一郎") as (shop_client, owner), person(app, "武雄 花子") as (
        client, me,
    ):  # fmt: skip
        shop_id = await actions.register_merchant(
            name="武雄商店", category="food", owner=owner["id"]
        )
        await actions.set_merchant_status(shop_id, "approved")
        row = await actions.start_top_up(me["id"], 2000, key="t")
        await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=True)
        shop = await queries.merchant(shop_id)
        payload = payload_of(shop)
        confirm = await client.get("/wallet/pay", params={"qr_text": payload})
        assert "武雄商店" in confirm.text
        key = re.search(r'name="key" value="([^"]+)"', confirm.text)[1]
        paid = await client.post(
            "/wallet/pay", **form(client, qr_text=payload, amount="１，２００", key=key)
        )
        assert paid.status_code == 200
        assert await queries.balances(me["id"]) == {"cash": 800, "points": 0}
        again = await client.post(
            "/wallet/pay", **form(client, qr_text=payload, amount="1200", key=key)
        )
        assert again.status_code == 200
        assert await queries.balances(me["id"]) == {"cash": 800, "points": 0}

        assert f'href="/wallet/shop/{shop_id}"' in (await shop_client.get("/wallet")).text
        console = await shop_client.get(f"/wallet/shop/{shop_id}")
        assert console.status_code == 200
        assert (await shop_client.get(f"/wallet/shop/{shop_id}/qr.svg")).text.count("<svg") == 1
        incoming = await shop_client.get(f"/wallet/shop/{shop_id}/incoming")
        assert "1,200" in incoming.text
        payment = (
            await LedgerTransaction.select().where(LedgerTransaction.kind == "payment").first()
        )
        too_much = await shop_client.post(
            f"/wallet/shop/{shop_id}/refund",
            **form(shop_client, payment=str(payment["id"]), amount="1201", key="r"),
        )
        assert too_much.status_code == 400
        assert "返金できるのは" in too_much.text
        refunded = await shop_client.post(
            f"/wallet/shop/{shop_id}/refund",
            **form(shop_client, payment=str(payment["id"]), amount="200", key="r2"),
        )
        assert refunded.status_code == 200
        assert await queries.balances(me["id"]) == {"cash": 1000, "points": 0}
        csv_text = (await shop_client.get(f"/wallet/shop/{shop_id}/settlement.csv")).text
        assert "payment,1200" in csv_text
        assert "refund,-200" in csv_text
        assert "total,,,1000" in csv_text
        # A resident cannot open someone else's console.
        assert (await client.get(f"/wallet/shop/{shop_id}")).status_code == 404
        assert await verify.problems() == []


async def test_bad_qr_codes_are_refused_with_a_clear_message(app, districts) -> None:
    async with person(app, "店主 一郎") as (_, owner), person(app, "武雄 花子") as (client, _me):
        shop_id = await actions.register_merchant(
            name="武雄商店", category="food", owner=owner["id"]
        )
        payload = payload_of(await queries.merchant(shop_id))
        pending = await client.get("/wallet/pay", params={"qr_text": payload})
        assert pending.status_code == 400
        assert "支払いを受け付けていません" in pending.text
        await actions.set_merchant_status(shop_id, "approved")
        broken = payload[:-1] + ("0" if payload[-1] != "0" else "1")
        bad_crc = await client.get("/wallet/pay", params={"qr_text": broken})
        assert bad_crc.status_code == 400
        assert "検査値が合いません" in bad_crc.text
        account = qr._tlv("00", "com.other.pay") + qr._tlv("01", "ABCD")
        body = "000201010211" + qr._tlv("26", account) + "5303392" + "6304"
        other = body + f"{qr.crc16_ccitt(body.encode()):04X}"
        foreign = await client.get("/wallet/pay", params={"qr_text": other})
        assert "この地域通貨のものではありません" in foreign.text
        assert await LedgerTransaction.count() == 0


async def test_staff_approve_a_merchant_and_issue_a_campaign_once(app, districts) -> None:
    async with person(app, "職員 一郎") as (staff, officer), person(app, "店主") as (_, owner):
        await grant_role(officer["id"], "finance", by=None)
        shop_id = await actions.register_merchant(
            name="新しい店", category="retail", owner=owner["id"]
        )
        page = await staff.post(
            f"/staff/wallet/merchants/{shop_id}", **form(staff, status="approved")
        )
        assert page.status_code == 200
        assert (await queries.merchant(shop_id))["status"] == "approved"
        created = await staff.post("/staff/wallet/campaigns", **form(
            staff, name="子育て応援", amount="3000", expires_on="2099-03-31",
            district="", category="",
        ))  # fmt: skip
        assert created.status_code == 200
        campaign = (await queries.campaigns())[0]
        issue = f"/staff/wallet/campaigns/{campaign['id']}/issue"
        assert (await staff.post(issue, **form(staff))).status_code == 200
        await staff.post(issue, **form(staff))  # pressed twice: nobody gets it twice
        assert await queries.balances(owner["id"]) == {"cash": 0, "points": 3000}
        exported = await staff.get("/staff/wallet/circulation.csv")
        assert "held,points,6000" in exported.text  # both residents
        # the officer spends 1,200 points at the shop, which refunds 200: the campaign shows
        # 1,000 redeemed by one resident, a sixth of what was granted
        paid = await actions.pay_merchant(officer["id"], shop_id, 1200, key="spend-1")
        await actions.refund(paid.transaction_id, 200, merchant_id=shop_id, key="refund-1")
        figures = (await queries.campaign_redemptions())[campaign["id"]]
        assert figures == {"granted": 6000, "redeemed": 1000, "expired": 0, "residents": 2,
                           "redeemers": 1, "held": 5000, "rate": 17}  # fmt: skip
        page = await staff.get("/staff/wallet/")
        testid = f'data-testid="campaign-{campaign["id"]}-redeemed">'
        redeemed = page.text.split(testid)[1].split("<")[0]
        assert "1,000" in redeemed
        assert "17%" in redeemed
        # circulation as charts, each with its numbers: today's bar, the shop's category
        assert 'data-testid="chart"' in page.text
        category = page.text.split('data-testid="chart-category"')[1].split("</figure>")[0]
        assert "小売" in category
        assert "1,000" in category
        bad = await staff.post("/staff/wallet/campaigns", **form(
            staff, name="x", amount="-5", expires_on="2099-03-31",
        ))  # fmt: skip
        assert bad.status_code == 400


async def test_a_campaign_for_an_age_band_reaches_only_those_residents(app, districts) -> None:
    async with person(app, "職員 二郎") as (staff, officer):
        await grant_role(officer["id"], "finance", by=None)
        # the officer was born in 1950 (the sign-up profile): 75 or over
        young = await Account.insert(Account(
            name="若者", name_kana="わかもの", birth_date=dt.date(2000, 5, 5),
            district=districts[0]["id"], webauthn_user_id="young-1",
        )).returning(Account.id)  # fmt: skip
        created = await staff.post("/staff/wallet/campaigns", **form(
            staff, name="敬老ポイント", amount="1000", expires_on="2099-03-31", district="",
            category="", age_band=["75+", "65-74"],
        ))  # fmt: skip
        assert created.status_code == 200
        assert "65〜74歳・75歳以上" in created.text
        campaign = (await queries.campaigns())[0]
        await staff.post(f"/staff/wallet/campaigns/{campaign['id']}/issue", **form(staff))
        assert await queries.balances(officer["id"]) == {"cash": 0, "points": 1000}
        assert await queries.balances(young[0]["id"]) == {"cash": 0, "points": 0}


async def test_residents_cannot_use_the_staff_wallet(app, districts) -> None:
    async with person(app, "武雄 花子") as (client, _):
        assert (await client.get("/staff/wallet/")).status_code in (401, 403)


async def test_above_the_threshold_a_payment_needs_the_payers_own_passkey(app, districts) -> None:
    authenticator = SoftAuthenticator()
    async with make_client(app) as client, person(app, "店主 一郎") as (_, owner):
        await signup(client, authenticator, name="武雄 花子", name_kana="たけお はなこ")
        me = await Account.select().where(Account.name == "武雄 花子").first()
        shop_id = await actions.register_merchant(
            name="電器店", category="retail", owner=owner["id"]
        )
        await actions.set_merchant_status(shop_id, "approved")
        row = await actions.start_top_up(me["id"], 50000, key="t")
        await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=True)
        payload = payload_of(await queries.merchant(shop_id))
        ask = {"qr_text": payload, "amount": "12000", "key": "big-1"}

        refused = await client.post("/wallet/pay", **form(client, **ask))
        assert refused.status_code == 400
        assert "パスキーで本人確認" in refused.text
        assert await queries.balances(me["id"]) == {"cash": 50000, "points": 0}

        options = await client.post("/wallet/pay/options", **form(client, **ask))
        assert options.status_code == 200, options.text
        credential = authenticator.get(json.loads(options.json()["options"]))
        # An assertion made for 12,000 yen does not approve 13,000.
        other = {**ask, "amount": "13000", "passkey": json.dumps(credential)}
        assert (await client.post("/wallet/pay", **form(client, **other))).status_code == 400
        options = await client.post("/wallet/pay/options", **form(client, **ask))
        credential = authenticator.get(json.loads(options.json()["options"]))
        paid = await client.post(
            "/wallet/pay", **form(client, **ask, passkey=json.dumps(credential))
        )
        assert paid.status_code == 200, paid.text
        assert await queries.balances(me["id"]) == {"cash": 38000, "points": 0}


async def test_the_shop_takes_a_one_time_code_once(app, districts) -> None:
    async with person(app, "店主 一郎") as (shop_client, owner), person(app, "武雄 花子") as (
        _, me,
    ):  # fmt: skip
        shop_id = await actions.register_merchant(name="八百屋", category="food", owner=owner["id"])
        await actions.set_merchant_status(shop_id, "approved")
        row = await actions.start_top_up(me["id"], 1000, key="t")
        await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=True)
        code = await actions.issue_one_time_code(me["id"])
        url = f"/wallet/shop/{shop_id}/charge"
        done = await shop_client.post(url, **form(shop_client, code=code, amount="300", key="c1"))
        assert done.status_code == 200
        assert "300円を受け取りました" in done.text
        again = await shop_client.post(url, **form(shop_client, code=code, amount="300", key="c2"))
        assert again.status_code == 400
        assert "すでに使われています" in again.text
        assert await queries.balances(me["id"]) == {"cash": 700, "points": 0}


async def test_staff_join_with_the_owners_invite_take_payments_but_cannot_refund(
    app, districts
) -> None:
    async with person(app, "店主 一郎") as (owner_client, owner), person(app, "店員 二郎") as (
        clerk, _,
    ), person(app, "武雄 花子") as (_, me):  # fmt: skip
        shop_id = await actions.register_merchant(name="八百屋", category="food", owner=owner["id"])
        await actions.set_merchant_status(shop_id, "approved")
        assert (await clerk.get(f"/wallet/shop/{shop_id}")).status_code == 404
        bad = await clerk.post("/wallet/shop/join", **form(clerk, code=f"{shop_id}.9999999999.x"))
        assert bad.status_code == 400
        page = await owner_client.post(f"/wallet/shop/{shop_id}/staff", **form(owner_client))
        invite = re.search(r'data-testid="staff-invite">([^<]+)<', page.text)[1]
        joined = await clerk.post("/wallet/shop/join", **form(clerk, code=invite))
        assert joined.status_code == 303
        assert (await clerk.get(f"/wallet/shop/{shop_id}")).status_code == 200
        row = await actions.start_top_up(me["id"], 1000, key="t")
        await actions.credit_top_up(row["reference"], gateway_ref="g", succeeded=True)
        code = await actions.issue_one_time_code(me["id"])
        url = f"/wallet/shop/{shop_id}/charge"
        assert (
            await clerk.post(url, **form(clerk, code=code, amount="400", key="c"))
        ).status_code == 200
        payment = (
            await LedgerTransaction.select().where(LedgerTransaction.kind == "payment").first()
        )
        refund = await clerk.post(
            f"/wallet/shop/{shop_id}/refund",
            **form(clerk, payment=str(payment["id"]), amount="400", key="r"),
        )
        assert refund.status_code == 403
        assert await queries.balances(me["id"]) == {"cash": 600, "points": 0}
