"""The library app with two phones: a resident makes a digital library card (shown again without
network by the app's service worker), finds a book with a
kana query in the union catalogue (its only copy is at a school library) and reserves it to
collect at the city library; a librarian at the city library scans the copy in when it arrives;
the resident is notified and, with "My library" open all along, sees it ready without a reload.
axe on every screen.

Like the garbage test, it runs its own server with the shell at ``machi.localhost`` and the app at
``library.machi.localhost`` (same-site, as in production): Chromium's test contexts block a
cross-site frame's storage, so the card could not be kept for use offline on the shared server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from axe import check_axe
from conftest import PHONE, Server, running, same_site
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from pages.library import LibraryApp
from pages.staff import become_staff
from playwright.async_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

TITLE = "注文の多い料理店"  # demo: one copy, S2000004, at 鳥栖小学校図書館


@pytest.fixture(scope="module", name="same_site")
async def fx_same_site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    async with running(same_site(tmp_path_factory, "miniapps/library")) as server:
        yield server


@pytest.fixture(name="reader_page")
async def fx_reader_page(browser: Browser, same_site: Server) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(base_url=same_site.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_search_hold_librarian_checks_in_resident_sees_it_ready(
    reader_page: Page, browser: Browser, same_site: Server
):
    page, server = reader_page, same_site
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="本田 読子", kana="ほんだ よみこ"))
    reader = LibraryApp(page)
    await reader.open_from_home()
    await check_axe(page)
    number = await reader.make_card()
    barcode = reader.frame.get_by_test_id("library-barcode")
    await expect(barcode).to_be_visible()
    await expect(barcode).to_have_attribute("aria-label", re.compile(number))
    await check_axe(page)

    await reader.wait_until_kept_offline()  # the card, for use without network (checked below)

    await reader.search("ちゅうもんのおおい")
    await check_axe(page)
    await reader.open_result(TITLE)
    await expect(reader.frame.get_by_test_id("library-copies")).to_contain_text("鳥栖小学校図書館")
    await reader.hold("鳥栖市立図書館")
    await check_axe(page)
    await reader.my_library()
    hold = reader.frame.get_by_test_id("library-hold-item").filter(has_text=TITLE)
    await expect(hold).to_contain_text("回送中")

    # The librarian, on a tablet of her own at the city library's counter.
    context = await browser.new_context(base_url=server.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        tablet = await context.new_page()
        await add_virtual_authenticator(tablet)
        librarian = Resident(name="司書 文子", kana="ししょ ふみこ")
        await become_staff(tablet, server, "librarian", librarian)
        desk = LibraryApp(tablet)
        await desk.open_from_home()
        await desk.counter("鳥栖市立図書館")
        await expect(desk.frame.get_by_test_id("library-queue")).to_contain_text(number)
        await check_axe(tablet)
        await desk.check_in("S2000004")
        done = desk.frame.get_by_test_id("library-done")
        await expect(done).to_have_attribute("data-result", "ready")
        await expect(done).to_contain_text("予約した方にお知らせしました")
        await check_axe(tablet)
    finally:
        await context.close()

    # "My library", open all along, shows it ready; the notice is in the inbox.
    await expect(hold).to_have_attribute("data-status", "ready", timeout=30_000)
    await expect(hold).to_contain_text("鳥栖市立図書館で受け取れます")
    await check_axe(page)

    # Without network, the app's own service worker shows the card kept on this device.
    await page.context.set_offline(True)
    try:
        await reader.reload_frame()
        await expect(reader.frame.get_by_test_id("library-offline-number")).to_have_text(number)
        bars = reader.frame.get_by_test_id("library-offline-code").locator("rect")
        await expect(bars.first).to_be_attached()
    finally:
        await page.context.set_offline(False)
    # Back online, a reload of the frame (through the same worker) is the app again, signed in.
    await reader.reload_frame()
    await expect(hold).to_have_attribute("data-status", "ready")
    await page.goto("/inbox")
    notice = page.get_by_test_id("inbox-item").first
    await expect(notice).to_contain_text("予約の本が用意できました")
