"""Facility booking from the home screen: a resident finds the demo badminton court, books a free
slot, pays with the wallet in the shell's sheet, sees the permit QR and the door code and saves the
permit PDF; a second resident, already looking at the same week, sees the slot turn taken without
reloading. axe on every screen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.booking import BookingApp
from pages.browser import phone_page
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from pages.wallet import WalletPage
from playwright.async_api import expect

pytestmark = pytest.mark.e2e

COURT = "市民体育館 バドミントンコート"
JST = dt.timezone(dt.timedelta(hours=9))


async def test_book_pay_permit_door_code_and_live_grid(browser, server):
    contexts: list = []
    try:
        watcher_page = await phone_page(browser, server, contexts)
        await sign_up(watcher_page, Resident(name="見守 二郎", kana="みまもり じろう"))
        watcher = BookingApp(watcher_page)
        await watcher.open_from_home()
        await watcher.find("コート", COURT)

        page = await phone_page(browser, server, contexts)
        await sign_up(page, Resident(name="羽根 翼", kana="はね つばさ", birth_date="1990-05-05"))
        await WalletPage(page).top_up(1000)
        app = BookingApp(page)
        await app.open_from_home()
        await check_axe(page)
        await app.find("コート", COURT)
        await check_axe(page)

        key = await app.first_free_slot()
        await expect(watcher.cell(key)).to_have_attribute("data-state", "free")
        number = await app.book(key)
        await expect(app.frame.get_by_test_id("booking-payment")).to_have_text("お支払い待ち")
        await check_axe(page)

        await app.pay_with_wallet()
        await expect(app.frame.get_by_test_id("booking-permit")).to_be_visible()
        await expect(app.frame.get_by_test_id("booking-door-code")).to_have_text(
            re.compile(r"^\d{6}$")
        )
        await check_axe(page)
        async with page.expect_download() as download_info:
            await app.frame.get_by_test_id("booking-permit-pdf").click()
        download = await download_info.value
        assert download.suggested_filename == f"permit-{number}.pdf"
        assert (await download.path()).read_bytes().startswith(b"%PDF-1.4")
        await expect(app.frame.locator("#booking-download-status")).to_have_text("保存しました。")

        # The other resident's grid polls: the slot turns taken without a reload.
        await expect(watcher.cell(key)).to_have_attribute("data-state", "taken", timeout=15_000)

        await app.frame.get_by_test_id("booking-nav-orders").click()
        await expect(app.frame.get_by_test_id("booking-my-order")).to_contain_text(COURT)
        await check_axe(page)
    finally:
        for context in contexts:
            await context.close()


async def test_facility_manager_books_at_the_counter_and_reads_occupancy(page, server):
    await add_virtual_authenticator(page)
    await become_staff(
        page, server, "facility_manager", Resident(name="施設 守", kana="しせつ まもる")
    )
    app = BookingApp(page)
    await app.open_from_home()
    await app.open_staff_page()
    await check_axe(page)
    tomorrow = (dt.datetime.now(JST).date() + dt.timedelta(days=1)).isoformat()
    await app.counter_booking(COURT, tomorrow, "10:00")
    await expect(app.frame.get_by_test_id("booking-occupancy-chart")).to_be_visible()
    await expect(app.frame.get_by_test_id("booking-staff-order").first).to_contain_text("窓口")
    await check_axe(page)
