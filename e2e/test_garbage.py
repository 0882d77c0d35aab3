"""The garbage calendar from the home screen: pick an area, search the dictionary, turn on a
reminder, then lose the network and still read the calendar.

This test runs its own server with the shell at ``machi.localhost`` and the apps at
``{slug}.machi.localhost``: same-site, as in production (``{slug}.apps.<city>`` under the city's
domain). With the shared server's ``localhost`` / ``{slug}.localhost`` the frame is cross-site, and
Chromium's test contexts block third-party storage, so no mini-app could keep a service worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from axe import check_axe
from conftest import PHONE, Server, running, same_site
from pages import add_virtual_authenticator
from pages.garbage import GarbageApp
from pages.identity import Resident, sign_up
from playwright.async_api import Browser, BrowserContext, Page, expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", name="same_site")
async def fx_same_site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    async with running(same_site(tmp_path_factory, "miniapps/garbage")) as server:
        yield server


@pytest.fixture(name="garbage_page")
async def fx_garbage_page(browser: Browser, same_site: Server) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(base_url=same_site.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_calendar_dictionary_reminder_and_offline(garbage_page: Page):
    page = garbage_page
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="今宿 光", kana="いまじゅく ひかる", district="takeo"))
    app = GarbageApp(page)
    await app.open_from_home()

    # The Saga data was imported by the demo on first start: 今宿町 is there.
    await app.pick_area("今宿", "今宿町")
    await expect(app.frame.get_by_test_id("garbage-tonight")).to_be_visible()
    await check_axe(page)

    await app.open_calendar()
    marks = app.frame.get_by_test_id("garbage-calendar").locator("td .garbage-mark")
    await expect(marks.first).to_be_visible()
    await check_axe(page)

    await app.search_dictionary("ペット")
    bottle = app.frame.get_by_test_id("garbage-item").filter(has_text="ペットボトル")
    await expect(bottle.first).to_be_visible()
    await expect(bottle.first.get_by_test_id("garbage-item-category")).to_have_text("ペットボトル")
    await check_axe(page)

    await app.turn_on_reminders("燃えるごみ")
    await check_axe(page)

    # Without network, the app's own service worker still shows the area's coming months.
    await app.open_calendar()
    await app.wait_until_kept_offline()
    await page.context.set_offline(True)
    try:
        await app.reload_frame()
        await expect(app.frame.get_by_test_id("garbage-offline-title")).to_contain_text("今宿町")
        calendars = app.frame.get_by_test_id("garbage-calendar")
        await expect(calendars).to_have_count(3)
        await expect(calendars.first.locator("td .garbage-mark").first).to_be_visible()
    finally:
        await page.context.set_offline(False)
    # Back online, a reload through the same worker is the app's page again, not a refusal.
    await app.reload_frame()
    await expect(app.frame.get_by_test_id("garbage-offline-title")).to_have_count(0)
    await expect(app.frame.locator("main h1")).to_contain_text("今宿町")
