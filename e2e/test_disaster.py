"""Disaster mode in Chromium: staff (or the JMA importer) switch it on and an already open
resident page shows the banner and the disaster home without a reload; the resident answers the
safety check and the staff page shows the answer arrive, live."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from axe import check_axe
from conftest import PHONE
from pages import add_virtual_authenticator
from pages.disaster import (
    ResidentDisasterView,
    StaffDisasterPage,
    live_connected,
    mark_document,
    not_reloaded,
    set_hidden,
)
from pages.identity import Resident, sign_up
from pages.staff import ROOT, become_staff
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

JMA_DOCUMENT = (
    ROOT / "tests" / "shell" / "disaster" / "jma_documents" / "01_takeo_heavy_rain_issued.xml"
)


@contextlib.asynccontextmanager
async def phone(browser: Browser, server: Any) -> AsyncIterator[Page]:
    context = await browser.new_context(base_url=server.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        page = await context.new_page()
        await add_virtual_authenticator(page)
        yield page
    finally:
        with contextlib.suppress(Exception):
            await context.close()


@pytest.fixture(name="officer")
async def fx_officer(browser: Browser, server: Any) -> AsyncIterator[StaffDisasterPage]:
    """A disaster officer's phone; disaster mode is off again (and no check open) afterwards,
    since the server is shared with the other end-to-end tests."""
    async with phone(browser, server) as page:
        await become_staff(
            page, server, "disaster_officer", Resident(name="防災 一郎", kana="ぼうさい いちろう")
        )
        staff = StaffDisasterPage(page)
        try:
            yield staff
        finally:
            await staff.close_open_check()
            await staff.open()
            if await page.get_by_test_id("mode-off").count():
                await staff.switch_off()


async def test_staff_switch_on_reaches_an_open_page_and_safety_answers_arrive_live(
    browser: Browser, server: Any, officer: StaffDisasterPage
) -> None:
    async with phone(browser, server) as page:
        await sign_up(page, Resident(name="避難 花子", kana="ひなん はなこ", district="kitagata"))
        resident = ResidentDisasterView(page)
        await expect(resident.disaster_home()).to_have_count(0)
        await live_connected(page)
        await mark_document(page)

        await officer.open()
        await check_axe(officer.page)
        await officer.switch_on("大雨特別警報のため")

        # The open home page, without a reload: the banner, then the disaster menu.
        await expect(resident.banner()).to_contain_text("大雨特別警報のため", timeout=10_000)
        await expect(resident.disaster_home()).to_be_visible(timeout=10_000)
        await expect(page.get_by_test_id("shelters")).to_contain_text("武雄市文化会館")
        assert await not_reloaded(page)
        await check_axe(page)

        # A safety check starts; the officer watches its answers.
        await officer.start_check("大雨 安否確認")
        await live_connected(officer.page)
        await check_axe(officer.page)
        await mark_document(officer.page)
        await expect(page.get_by_test_id("answer-need-help")).to_be_visible(timeout=10_000)
        await resident.answer_need_help(place="home", household=3)
        await check_axe(page)

        await expect(officer.need_help()).to_contain_text("避難 花子", timeout=10_000)
        # 北方町: safe 0, need help 1 (the cells after the district's name).
        await expect(officer.district("北方町").locator("td").nth(1)).to_have_text("1")
        assert await not_reloaded(officer.page)

        # Back to normal: the open page returns to the usual home, live again.
        await page.goto("/")
        await live_connected(page)
        await mark_document(page)
        await officer.close_open_check()
        await officer.switch_off()
        await expect(resident.disaster_home()).to_have_count(0, timeout=10_000)
        await expect(resident.banner()).to_have_count(0)
        await expect(page.get_by_role("heading", level=1)).to_contain_text("避難 花子")
        assert await not_reloaded(page)


async def test_the_jma_importer_switches_an_open_page_into_disaster_mode(
    browser: Browser, server: Any, officer: StaffDisasterPage
) -> None:
    async with phone(browser, server) as page:
        await sign_up(page, Resident(name="気象 太郎", kana="きしょう たろう"))
        resident = ResidentDisasterView(page)
        await live_connected(page)
        await mark_document(page)
        # The operator's command, in its own process: the server notices within seconds.
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "shell.cli", "disaster", "import-jma", str(JMA_DOCUMENT)],
            env=server.env, cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "mode_on" in done.stdout
        await expect(resident.banner()).to_contain_text("大雨警報", timeout=15_000)
        await expect(resident.disaster_home()).to_be_visible(timeout=10_000)
        assert await not_reloaded(page)
        await officer.open()
        await expect(officer.page.get_by_test_id("mode-state")).to_contain_text("気象庁")
        await expect(officer.page.get_by_test_id("jma-reports")).to_contain_text("災害モードを開始")


async def test_a_tab_hidden_while_the_mode_switched_catches_up_when_shown(
    browser: Browser, server: Any, officer: StaffDisasterPage
) -> None:
    async with phone(browser, server) as page:
        await sign_up(page, Resident(name="裏側 次郎", kana="うらがわ じろう"))
        resident = ResidentDisasterView(page)
        await live_connected(page)
        await mark_document(page)
        await set_hidden(page, True)  # the resident switched to another tab: no stream held
        await expect(page.locator("html")).to_have_attribute("data-live", "closed")
        await officer.open()
        await officer.switch_on("土砂災害警戒情報")
        await asyncio.sleep(1)
        await expect(resident.banner()).to_have_count(0)  # nothing heard while hidden
        await set_hidden(page, False)
        await expect(resident.banner()).to_contain_text("土砂災害警戒情報", timeout=10_000)
        await expect(resident.disaster_home()).to_be_visible()
        assert await not_reloaded(page)
