"""Mini-app payments: the request, the shell's sheet, the ledger paying the app's merchant once,
the signed webhook retried until delivered, and the in-process Platform call."""

from __future__ import annotations

import datetime as dt
import re
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from machi_sdk import PlatformError, Resident
from machi_sdk.webhooks import WebhookError, verify

from shell.developer.tables import PartnerApp
from shell.identity.tables import Account
from shell.miniapp_host.tables import Grant
from shell.platform_api.inprocess import platform_for
from shell.wallet import actions, apppay, queries
from shell.wallet.tables import LedgerTransaction, PaymentRequest, WebhookDelivery
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup

HTML = {"accept": "text/html"}


@asynccontextmanager
async def payer(app: Any, scopes: list[str]):
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        me = await Account.select().first()
        await Grant.insert(Grant(account=me["id"], app_id="shop", subject="sub-1", scopes=scopes))
        top = await actions.start_top_up(me["id"], 1000, key="t")
        await actions.credit_top_up(top["reference"], gateway_ref="g", succeeded=True)
        yield client, me


def post(client: Any, url: str, **data: str) -> Any:
    return client.post(url, data=data, headers={**csrf_headers(client), **HTML})


async def test_the_sheet_pays_the_app_once_and_the_webhook_is_signed_and_retried(
    app, settings, districts
) -> None:
    async with payer(app, ["wallet.pay"]) as (client, me):
        owner = me["id"]
        await PartnerApp.insert(PartnerApp(slug="shop", owner=owner, manifest_text="",
                                           origin="https://shop.example",
                                           webhook_url="https://shop.example/hooks"))  # fmt: skip
        ask = {
            "app_id": "shop",
            "amount": "600",
            "description": "粗大ごみ処理券",
            "reference": "order-1",
        }
        sheet = await post(client, "/wallet/requests", **ask)
        assert sheet.status_code == 200, sheet.text
        public_id = re.search(r'data-request="([^"]+)"', sheet.text)[1]
        again = await post(client, "/wallet/requests", **ask)
        assert f'data-request="{public_id}"' in again.text
        for _ in range(2):
            paid = await post(client, f"/wallet/requests/{public_id}/confirm")
            assert 'data-status="paid"' in paid.text
        assert await queries.balances(owner) == {"cash": 400, "points": 0}
        assert await LedgerTransaction.count().where(LedgerTransaction.kind == "payment") == 1
        merchant = (await PaymentRequest.select().first())["merchant"]
        assert await queries.merchant_balance(merchant) == 600

    delivery = await WebhookDelivery.select().first()
    seen: list[httpx.Request] = []
    answers = iter([500, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(next(answers))

    secret = settings.resolved_secret()
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as hooks:
        assert not await apppay.deliver(delivery["message_id"], shell_secret=secret, client=hooks)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        assert await apppay.owed(later) == [delivery["message_id"]]
        assert await apppay.deliver(delivery["message_id"], shell_secret=secret, client=hooks)
        assert await apppay.deliver(delivery["message_id"], shell_secret=secret, client=hooks)
    assert len(seen) == 2  # delivered once it answered 2xx; not sent again
    assert str(seen[0].url) == "https://shop.example/hooks"
    event = verify(apppay.webhook_secret(secret, "shop"), seen[1].headers, seen[1].content)
    assert event["type"] == "payment.succeeded"
    assert event["data"] == {"id": public_id, "status": "paid", "amount": 600,
                             "description": "粗大ごみ処理券", "reference": "order-1"}  # fmt: skip
    with pytest.raises(WebhookError):
        verify(apppay.webhook_secret("another-secret", "shop"), seen[1].headers, seen[1].content)


async def test_without_the_wallet_pay_grant_nothing_is_asked(app, districts) -> None:
    async with payer(app, ["profile.name"]) as (client, _):
        sheet = await post(client, "/wallet/requests", app_id="shop", amount="600",
                           description="x", reference="o")  # fmt: skip
        assert sheet.status_code == 403
        assert await PaymentRequest.count() == 0


async def test_a_declined_request_cannot_be_paid_later(app, districts) -> None:
    async with payer(app, ["wallet.pay"]) as (client, me):
        sheet = await post(client, "/wallet/requests", app_id="shop", amount="300",
                           description="予約", reference="r")  # fmt: skip
        public_id = re.search(r'data-request="([^"]+)"', sheet.text)[1]
        assert (
            'data-status="cancelled"'
            in (await post(client, f"/wallet/requests/{public_id}/cancel")).text
        )
        refused = await post(client, f"/wallet/requests/{public_id}/confirm")
        assert refused.status_code == 400
        assert await queries.balances(me["id"]) == {"cash": 1000, "points": 0}


async def test_in_process_request_payment_checks_the_scope(app, settings, districts) -> None:
    async with payer(app, ["wallet.pay"]):
        platform = platform_for("shop", settings)
        resident = Resident(id="sub-1", scopes=frozenset({"wallet.pay"}), app_id="shop")
        answer = await platform.request_payment(resident, 800, "施設予約", "booking-9")
        assert answer["status"] == "pending"
        assert answer["confirm_url"].endswith(f"/wallet/requests/{answer['id']}")
        with pytest.raises(PlatformError) as missing:
            await platform.request_payment(Resident(id="sub-1", app_id="shop"), 800, "x", "y")
        assert missing.value.code == "scope_missing"
        with pytest.raises(PlatformError) as bad:
            await platform.request_payment(resident, 0, "x", "z")
        assert bad.value.code == "invalid"


async def test_an_app_refunds_its_paid_request_in_part_then_the_rest_never_more(
    app, settings, districts
) -> None:
    async with payer(app, ["wallet.pay"]) as (client, me):
        platform = platform_for("shop", settings)
        resident = Resident(id="sub-1", scopes=frozenset({"wallet.pay"}), app_id="shop")
        asked = await platform.request_payment(resident, 800, "施設予約", "booking-9")
        with pytest.raises(PlatformError) as unpaid:
            await platform.refund_payment("booking-9", 800, "cancel-1")
        assert unpaid.value.code == "invalid"  # nothing was paid yet
        await post(client, f"/wallet/requests/{asked['id']}/confirm")
        assert await queries.balances(me["id"]) == {"cash": 200, "points": 0}

        part = await platform.refund_payment("booking-9", 500, "cancel-1")
        again = await platform.refund_payment("booking-9", 500, "cancel-1")  # a retry
        assert (part["refunded"], again["refunded"]) == (500, 500)
        assert await queries.balances(me["id"]) == {"cash": 700, "points": 0}
        with pytest.raises(PlatformError) as too_much:
            await platform.refund_payment("booking-9", 400, "cancel-2")
        assert too_much.value.code == "invalid"
        with pytest.raises(PlatformError) as not_ours:
            await platform_for("other", settings).refund_payment("booking-9", 100, "x")
        assert not_ours.value.code == "invalid"  # another app cannot refund this app's payment
        rest = await platform.refund_payment("booking-9", 300, "cancel-2")
        assert rest["refunded"] == 800
        assert await queries.balances(me["id"]) == {"cash": 1000, "points": 0}
        assert await LedgerTransaction.count().where(LedgerTransaction.kind == "refund") == 2
        inbox = await client.get("/inbox")
        assert "返金のお知らせ" in inbox.text
    from shell.wallet import verify as ledger_verify

    assert await ledger_verify.problems() == []


async def test_the_sdk_memory_platform_records_payment_requests_for_partners_tests() -> None:
    from machi_sdk.testing import MemoryPlatform

    memory = MemoryPlatform("stamp")
    resident = Resident(id="p1", scopes=frozenset({"wallet.pay"}), app_id="stamp")
    first = await memory.platform.request_payment(resident, 500, "スタンプ", "order-1")
    again = await memory.platform.request_payment(resident, 500, "スタンプ", "order-1")
    assert first == again
    assert first["status"] == "pending"
    assert memory.payments["order-1"]["resident"] == "p1"
