"""The water bill app from the home screen: link an account with the code printed on the bill
(the demo imported the sample billing export), see the bills, the usage chart and one bill;
link a second account whose usage jumps and get the leak notice in the inbox. A wrong code is
refused without saying whether the number exists. axe on every screen."""

from __future__ import annotations

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from pages.water import WaterApp
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e


async def test_link_see_bills_chart_and_leak_notice(page: Page):
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="水野 澄", kana="みずの すみ", district="takeo"))
    app = WaterApp(page)
    await app.open_from_home()
    await check_axe(page)

    # A wrong code: refused, the same words as for a number that does not exist.
    await app.link("1001-0001", "AAAA-0000")
    error = app.frame.get_by_test_id("water-error")
    await expect(error).to_contain_text("組み合わせが確認できませんでした")
    await check_axe(page)

    await app.link("1001-0001", "K7P4-2Q9M")
    await expect(app.frame.get_by_test_id("water-linked")).to_be_visible()
    await expect(app.frame.get_by_test_id("water-account")).to_have_count(1)
    await app.open_account("1001-0001")
    chart = app.frame.get_by_test_id("water-chart")
    await expect(chart).to_be_visible()
    await expect(chart.locator("rect")).to_have_count(12)
    table = app.frame.get_by_test_id("water-chart-table")
    await expect(table.locator("tbody tr")).to_have_count(12)
    await expect(app.frame.get_by_test_id("water-last-year")).to_contain_text(
        "昨年の同じ時期（2025年11月検針分）: 19㎥"
    )
    await check_axe(page)

    await app.open_latest_bill()
    await expect(app.frame.get_by_test_id("water-bill-total")).to_have_text("請求金額 6,720円")
    await expect(app.frame.get_by_test_id("water-bill-paid")).to_contain_text("2026年12月10日")
    await expect(app.frame.get_by_test_id("water-bill-m3")).to_have_text("20㎥")
    await check_axe(page)
    async with page.expect_download() as download_info:
        await app.frame.get_by_test_id("water-bill-pdf").click()
    download = await download_info.value
    assert download.suggested_filename == "water-1001-0001-202611.pdf"
    path = await download.path()
    assert path.read_bytes().startswith(b"%PDF-1.4")
    await expect(app.frame.locator("#water-pdf-status")).to_have_text("PDFを保存しました。")

    # A parent's house whose last bill jumped: the warning on its page and a notice in the inbox.
    await app.back_to_accounts()
    await app.link("1001-0003", "X9D3-5W1N")
    await expect(app.frame.get_by_test_id("water-account")).to_have_count(2)
    await app.open_account("1001-0003")
    await expect(app.frame.get_by_test_id("water-leak")).to_contain_text("41㎥")
    await check_axe(page)

    await page.goto("/inbox")
    await expect(page.get_by_test_id("inbox-item").first).to_contain_text("漏水の疑いがあります")


async def test_waterworks_staff_see_the_residents_screen(page: Page, server):
    await add_virtual_authenticator(page)
    await become_staff(page, server, "waterworks", Resident(name="水道 守", kana="すいどう まもる"))
    app = WaterApp(page)
    await app.open_from_home()
    await app.staff_lookup("1001-0003")
    account = app.frame.get_by_test_id("water-staff-account")
    await expect(account.get_by_test_id("water-leak")).to_contain_text("41㎥")
    await expect(account.get_by_test_id("water-chart")).to_be_visible()
    # the demo import's one bill that disagrees with the tariff is listed for staff
    await expect(app.frame.get_by_test_id("water-flagged")).to_contain_text("1001-0002")
    await check_axe(page)
