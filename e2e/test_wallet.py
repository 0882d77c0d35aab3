"""The wallet in Chromium: a resident tops up through the gateway, pays a shop by pointing the
(fake) camera at its QR code, and the shop sees the payment arrive and refunds part of it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe import check_axe
from conftest import CHROMIUM, CHROMIUM_ARGS, PHONE
from pages import add_virtual_authenticator
from pages.identity import Resident, demo_code, recover, sign_up
from pages.staff import become_staff
from pages.wallet import MerchantConsolePage, WalletPage, qr_video
from playwright.async_api import Browser, Playwright, expect

from shell.wallet.qr import merchant_payload

pytestmark = pytest.mark.e2e

SHOP_CODE, SHOP_NAME = "DEMO0001", "武雄温泉みやげ店"  # from the demo data


@pytest.fixture(name="camera_browser")
async def fx_camera_browser(playwright: Playwright, tmp_path: Path) -> AsyncIterator[Browser]:
    """A Chromium whose camera plays a video of the demo shop's QR code."""
    video = qr_video(
        merchant_payload(SHOP_CODE, name_ascii=f"MACHI {SHOP_CODE}"), tmp_path / "qr.y4m"
    )
    browser = await playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        yield browser
    finally:
        with contextlib.suppress(Exception):
            await browser.close()


async def test_top_up_pay_by_scanning_and_a_partial_refund_seen_live(
    camera_browser: Browser,
    context,
    server,  # type: ignore[no-untyped-def]
) -> None:
    # The shop owner signs in on their own phone and opens the console.
    shop_page = await context.new_page()
    _cdp_shop, _ = await add_virtual_authenticator(shop_page)
    await recover(shop_page, demo_code(server.data_dir, "merchant"))
    shop = MerchantConsolePage(shop_page)
    await shop.open_shop(SHOP_NAME)
    await check_axe(shop_page)

    # A resident, on a phone whose camera sees the shop's QR code.
    resident_context = await camera_browser.new_context(
        base_url=server.base_url, permissions=["camera"], **PHONE
    )
    resident_context.set_default_timeout(20_000)
    try:
        page = await resident_context.new_page()
        _cdp, _ = await add_virtual_authenticator(page)
        await sign_up(page, Resident(name="佐賀 三郎", kana="さが さぶろう"))
        wallet = WalletPage(page)
        await wallet.open()
        await check_axe(page)
        await wallet.top_up(3000)
        await check_axe(page)

        await wallet.scan_with_camera()
        await expect(page.get_by_test_id("pay-shop")).to_have_text(SHOP_NAME)
        await check_axe(page)
        await wallet.pay(1200)
        await expect(page.get_by_test_id("paid-balance")).to_contain_text("1,800")

        # The console's list updates by itself.
        await expect(shop.payments().first).to_contain_text("1,200", timeout=10_000)
        await shop.refund_latest(200)
        await expect(shop.payments().first).to_contain_text("返金済み", timeout=10_000)
        await check_axe(shop_page)

        await wallet.open()
        await expect(page.get_by_test_id("wallet-total")).to_contain_text("2,000")
        await expect(page.get_by_test_id("wallet-history")).to_contain_text("返金")
    finally:
        await resident_context.close()


async def test_the_city_approves_a_shop_and_gives_points_that_the_resident_sees(
    context,
    server,  # type: ignore[no-untyped-def]
) -> None:
    staff_page = await context.new_page()
    _cdp_staff, _ = await add_virtual_authenticator(staff_page)
    await recover(staff_page, demo_code(server.data_dir, "finance"))
    await staff_page.goto("/staff")
    await staff_page.get_by_test_id("staff-wallet").click()
    await expect(staff_page.get_by_role("heading", level=1)).to_have_text("地域通貨の管理")
    await check_axe(staff_page)
    pending = staff_page.get_by_role("listitem").filter(has_text="御船山カフェ")
    await pending.get_by_role("button", name="承認する").click()
    await expect(
        staff_page.get_by_role("listitem").filter(has_text="御船山カフェ")
    ).to_contain_text("承認済み")
    await staff_page.get_by_label("キャンペーン名").fill("子育て応援ポイント")
    await staff_page.get_by_label("1人あたりのポイント（円）").fill("2000")
    await staff_page.get_by_label("有効期限（この日まで使えます）").fill("2099-03-31")
    await staff_page.get_by_role("button", name="キャンペーンを作る").click()
    await staff_page.get_by_role("button", name="配布する").click()
    await expect(staff_page.get_by_test_id("staff-wallet-message")).to_contain_text("ポイント")
    await check_axe(staff_page)

    resident_page = await context.browser.new_context(base_url=server.base_url, **PHONE)
    try:
        page = await resident_page.new_page()
        _cdp, _ = await add_virtual_authenticator(page)
        await sign_up(page, Resident(name="嬉野 四郎", kana="うれしの しろう"))
        # Residents who signed up after the campaign was issued get nothing from it.
        wallet = WalletPage(page)
        await wallet.open()
        await expect(page.get_by_test_id("wallet-points")).to_contain_text("0")
        await page.goto("/wallet/code")
        await expect(page.get_by_test_id("one-time-code")).to_contain_text("otc_")
        await check_axe(page)
    finally:
        await resident_page.close()


def _a_day_passes(server, shop: str) -> None:  # type: ignore[no-untyped-def]
    """Move the shop's takings two days back, as if they had been taken before yesterday (a
    payout pays only whole days that are over)."""
    with server.database() as db:
        rows = db.execute(
            "SELECT t.id, t.created_at FROM wallet_transaction t JOIN wallet_merchant m "
            "ON m.id = t.merchant WHERE m.name = ? AND t.kind = 'payment'",
            (shop,),
        ).fetchall()
        for txn, created_at in rows:
            earlier = dt.datetime.fromisoformat(created_at) - dt.timedelta(days=2)
            db.execute("UPDATE wallet_transaction SET created_at = ? WHERE id = ?",
                       (earlier.isoformat(sep=" "), txn))  # fmt: skip


async def test_a_new_shop_is_paid_its_takings_and_told_when_the_bank_returns_them(
    context,
    server,  # type: ignore[no-untyped-def]
) -> None:
    shop_name = "有田焼の店"
    # A shop owner applies; the city approves; the owner gives the account to be paid into.
    owner_page = await context.new_page()
    await add_virtual_authenticator(owner_page)
    await sign_up(owner_page, Resident(name="有田 焼子", kana="ありた やきこ"))
    await owner_page.goto("/wallet/shop/new")
    await owner_page.get_by_label("お店の名前").fill(shop_name)
    await owner_page.get_by_label("業種").select_option("retail")
    await owner_page.get_by_test_id("shop-apply").click()

    staff_context = await context.browser.new_context(base_url=server.base_url, **PHONE)
    resident_context = await context.browser.new_context(base_url=server.base_url, **PHONE)
    try:
        staff_page = await staff_context.new_page()
        await add_virtual_authenticator(staff_page)
        await become_staff(staff_page, server, "finance",
                           Resident(name="会計 課長", kana="かいけい かちょう"))  # fmt: skip
        await staff_page.goto("/staff/wallet")
        applied = staff_page.get_by_role("listitem").filter(has_text=shop_name)
        await applied.get_by_role("button", name="承認する").click()
        await expect(staff_page.get_by_role("listitem").filter(has_text=shop_name)).to_contain_text(
            "承認済み"
        )

        shop = MerchantConsolePage(owner_page)
        await shop.open_shop(shop_name)
        await owner_page.get_by_label("銀行コード（4桁）").fill("0182")
        await owner_page.get_by_label("支店コード（3桁）").fill("101")
        await owner_page.get_by_label("口座番号（7桁）").fill("7654321")
        await owner_page.get_by_label("口座名義（カタカナ）").fill("アリタヤキノミセ")
        await owner_page.get_by_test_id("bank-submit").click()
        await expect(owner_page.get_by_test_id("bank-saved")).to_be_visible()

        # A resident pays 1,500 yen by showing a one-time code at the counter.
        page = await resident_context.new_page()
        await add_virtual_authenticator(page)
        await sign_up(page, Resident(name="伊万里 五郎", kana="いまり ごろう"))
        await WalletPage(page).top_up(3000)
        await page.goto("/wallet/code")
        code = (await page.get_by_test_id("one-time-code").inner_text()).strip()
        await owner_page.get_by_test_id("charge-code").fill(code)
        await owner_page.get_by_test_id("charge-amount").fill("1500")
        await owner_page.get_by_test_id("charge-submit").click()
        await expect(owner_page.get_by_test_id("charged")).to_contain_text("1,500")
        _a_day_passes(server, shop_name)

        # The city pays the shop for the last days; the run's page lists the transfer.
        yesterday = dt.date.today() - dt.timedelta(days=1)
        await staff_page.goto("/staff/wallet")
        await staff_page.get_by_test_id("payout-start").fill(
            (yesterday - dt.timedelta(days=3)).isoformat()
        )
        await staff_page.get_by_test_id("payout-end").fill(yesterday.isoformat())
        await staff_page.get_by_test_id("payout-merchant").select_option(label=shop_name)
        await staff_page.get_by_test_id("payout-submit").click()
        await expect(staff_page.get_by_test_id("payout-result")).to_contain_text("1,500")
        await staff_page.get_by_role("listitem").filter(has_text="1,500").get_by_role(
            "link", name="売上"
        ).first.click()  # fmt: skip
        await expect(staff_page.get_by_role("heading", level=1)).to_have_text("振込の結果")
        transfer = staff_page.get_by_test_id("payout-run-transfers").get_by_role("listitem")
        await expect(transfer).to_contain_text(shop_name)
        await expect(transfer).to_contain_text("振込手続き中")
        await check_axe(staff_page)

        # The bank could not pay it: the name on the account differs.
        await transfer.get_by_label("振込不能の理由").select_option(label="口座名義が違います")
        await transfer.get_by_test_id("return-submit").click()
        await expect(staff_page.get_by_test_id("payout-run-message")).to_contain_text("1,500")
        await expect(transfer).to_contain_text("振込できませんでした")
        await check_axe(staff_page)

        # The owner sees why, and that the money is back in the takings.
        await shop.open_shop(shop_name)
        payouts = owner_page.get_by_test_id("shop-payouts")
        await expect(payouts).to_contain_text("振込できませんでした")
        await expect(payouts).to_contain_text("口座名義が違います")
        await check_axe(owner_page)
        await owner_page.goto("/inbox")
        await expect(owner_page.get_by_text("売上の振込が戻ってきました")).to_be_visible()
    finally:
        await staff_context.close()
        await resident_context.close()
