"""The mother-child handbook from the home screen: a mother registers her baby, records height and
weight, sees them on the growth chart and the vaccination plan, answers the pre-interview
questionnaire and books an interview from the health centre's slots; a public health nurse sees
the booking and exports the questionnaires as CSV. Without network the app's own service worker
shows the records kept on the device and queues a new measurement, sent once when back online.
axe on every screen."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator

import pytest
from axe import check_axe
from conftest import PHONE, Server, running, same_site
from pages import add_virtual_authenticator
from pages.browser import phone_page
from pages.handbook import HandbookApp
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from playwright.async_api import expect

pytestmark = pytest.mark.e2e
JST = dt.timezone(dt.timedelta(hours=9))


async def test_child_growth_plan_questionnaire_booking_and_staff_export(browser, server):
    contexts: list = []
    try:
        page = await phone_page(browser, server, contexts)
        await sign_up(page, Resident(name="母子 花子", kana="ぼし はなこ"))
        app = HandbookApp(page)
        await app.open_from_home()
        await check_axe(page)
        born = dt.datetime.now(JST).date() - dt.timedelta(days=150)
        await app.add_child("ひなた", born.isoformat())
        await app.record("63.0", "6.8")
        await expect(app.frame.get_by_test_id("handbook-record-row")).to_contain_text("63 cm")
        await check_axe(page)

        await app.growth()
        await expect(
            app.frame.get_by_test_id("handbook-svg-wfa").get_by_test_id("handbook-point")
        ).to_have_count(1)
        await expect(app.frame.get_by_test_id("handbook-chart-table-lhfa")).to_contain_text("63")
        await expect(
            app.frame.locator("p.hint").filter(has_text="WHO Child Growth Standards (2006)").first
        ).to_be_visible()
        await check_axe(page)

        await app.frame.get_by_text("記録にもどる").click()
        await app.plan()
        five = app.frame.locator('[data-dose="dpt_ipv_hib:1"]')
        await expect(five).to_have_attribute("data-status", "due")
        await check_axe(page)

        await app.answer_questionnaire()
        await check_axe(page)
        when = await app.book_first_slot()
        await expect(app.frame.get_by_test_id("handbook-booked-when")).to_contain_text(
            when.split("（")[0]
        )
        await check_axe(page)

        nurse = await phone_page(browser, server, contexts)
        await become_staff(
            nurse, server, "health_centre", Resident(name="保健 師子", kana="ほけん しこ")
        )
        desk = HandbookApp(nurse)
        await desk.open_from_home()
        await desk.staff_page()
        await expect(desk.frame.get_by_test_id("handbook-staff-interview").first).to_contain_text(
            "妊娠届出時の面談"
        )
        await check_axe(nurse)
        async with nurse.expect_download() as info:
            await desk.frame.get_by_test_id("handbook-export-questionnaires").click()
        download = await info.value
        assert download.suggested_filename == "handbook-questionnaires.csv"
        text = (await download.path()).read_text(encoding="utf-8-sig")
        header, *rows = list(csv.reader(io.StringIO(text)))
        assert header[:3] == ["利用者番号", "面談種別", "回答日"]
        assert any("夜泣きが心配です" in row for row in rows)
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture(scope="module", name="same_site")
async def fx_same_site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    async with running(same_site(tmp_path_factory, "miniapps/handbook")) as server:
        yield server


async def test_records_offline_then_synced_once_back_online(browser, same_site):
    context = await browser.new_context(base_url=same_site.base_url, **PHONE)
    context.set_default_timeout(20_000)
    try:
        page = await context.new_page()
        await add_virtual_authenticator(page)
        await sign_up(page, Resident(name="留守 陽子", kana="るす ようこ"))
        app = HandbookApp(page)
        await app.open_from_home()
        born = dt.datetime.now(JST).date() - dt.timedelta(days=200)
        await app.add_child("みなと", born.isoformat())
        await app.record("66.0", "7.5")
        await app.wait_until_kept_offline()

        await context.set_offline(True)
        try:
            await app.reload_frame()
            kept = app.frame.get_by_test_id("handbook-offline-children")
            await expect(kept).to_contain_text("みなと")
            await expect(kept).to_contain_text("66 cm")
            await app.frame.get_by_test_id("handbook-offline-height").fill("67.5")
            await app.frame.get_by_test_id("handbook-offline-weight").fill("7.9")
            await app.frame.get_by_test_id("handbook-offline-submit").click()
            await expect(app.frame.get_by_test_id("handbook-offline-queued")).to_contain_text(
                "送信待ち: 1"
            )
            await check_axe(page)
        finally:
            await context.set_offline(False)
        # back online: the page loads again and the queue is sent with the launch token
        await app.reload_frame()
        rows = app.frame.get_by_test_id("handbook-record-row")
        await expect(rows).to_have_count(2, timeout=20_000)
        await expect(rows.first).to_contain_text("67.5 cm")
        await app.reload_frame()  # sent once: nothing queued is sent again
        await expect(app.frame.get_by_test_id("handbook-records")).to_be_visible()
        await expect(rows).to_have_count(2)
    finally:
        await context.close()
