"""The school liaison app with two phones at once, on a server whose city runs a translation
engine (a LibreTranslate stand-in that tags: ``[vi] 本文``): a teacher joins her class with
the staff code from the demo and enrols a child; a parent who reads Vietnamese links the child
with the code she was given, reports tomorrow's absence with symptoms and writes to the class in
Vietnamese. The teacher's board and inbox show both without a reload, she reads the message in
Japanese (the original one tap away) and answers; the answer appears in the parent's open
conversation without a reload, in Vietnamese with the Japanese original. At the gate the teacher
scans the child's QR through the shell's scanner and the board shows the check-in. axe on every
screen."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe import check_axe
from conftest import Phone, Server, _free_port
from pages.identity import Resident, sign_up
from pages.school import SchoolApp
from pages.staff import become_staff, grant
from playwright.async_api import Page, expect

from tests.helpers.libretranslate import libretranslate

pytestmark = pytest.mark.e2e

JST = dt.timezone(dt.timedelta(hours=9))


class TranslatingServer(Server):
    """``machi serve`` whose city has a machine translation engine."""

    translation_url: str = ""

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "MACHI_TRANSLATION_URL": self.translation_url}


@pytest.fixture(scope="module", name="city")
async def fx_city(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    with libretranslate() as engine:
        server = TranslatingServer(
            port=_free_port(), data_dir=Path(tmp_path_factory.mktemp("school"))
        )
        server.translation_url = engine.url
        await server.astart()
        try:
            yield server
        finally:
            await server.astop()


async def choose_language(page: Page, code: str) -> None:
    await page.get_by_test_id("language-link").click()
    await page.get_by_test_id(f"lang-{code}").check()
    await page.get_by_test_id("lang-save").click()
    await expect(page.locator("html")).to_have_attribute("lang", code)


async def test_absence_message_in_two_languages_and_the_gate(phone: Phone, city: Server) -> None:
    # The teacher, a member of staff with the school role.
    page = await phone(city)
    who = Resident(name="教員 春子", kana="きょういん はるこ")
    teacher_account = await become_staff(page, city, "school_staff", who)
    teacher = SchoolApp(page)
    await teacher.open_from_home()
    await teacher.join_class("DEMO-2A1A")
    await teacher.open_class("2年1組")
    code = await teacher.enrol("さくら", "さくら")
    await check_axe(page)

    # The parent, on a phone of her own, reads Vietnamese (the shell and the app speak it).
    mobile = await phone(city)
    await sign_up(mobile, Resident(name="グエン ラン", kana="ぐえん らん"))
    await choose_language(mobile, "vi")
    parent = SchoolApp(mobile)
    await parent.open_from_home()
    await parent.link_child(code)
    await check_axe(mobile)
    await parent.open_child("さくら")
    tomorrow = (dt.datetime.now(JST).date() + dt.timedelta(days=1)).isoformat()
    await parent.report_absence(tomorrow, ["fever", "cough"])
    await expect(parent.frame.get_by_test_id("school-notice")).to_contain_text("Vắng mặt")
    await check_axe(mobile)
    qr = await parent.qr_text()

    # The teacher's board, open all along, shows it without a reload.
    await expect(teacher.board()).to_contain_text("さくら: 欠席 体調不良（発熱、せき）")

    # She writes to the class in Vietnamese.
    await parent.frame.get_by_test_id("school-back").click()
    await parent.open_conversation()
    await expect(parent.frame.get_by_test_id("school-office-hours")).to_contain_text(
        "平日 8:00〜16:30"
    )
    await parent.send_message("Con tôi bị sốt.")
    await expect(parent.messages()).to_have_text(["Con tôi bị sốt."])
    await check_axe(mobile)

    # The teacher's inbox, open all along, lists it without a reload; she reads it in Japanese.
    await expect(teacher.frame.get_by_test_id("school-inbox-item")).to_contain_text("さくら")
    await teacher.frame.get_by_test_id("school-inbox-item").first.click()
    await expect(teacher.messages()).to_have_text(["[ja] Con tôi bị sốt."])
    await expect(teacher.frame.get_by_test_id("school-message-original")).to_contain_text(
        "Con tôi bị sốt."
    )
    await teacher.send_message("お大事になさってください。")
    await check_axe(page)

    # The answer reaches the parent's open conversation, in Vietnamese, the original one tap away.
    await expect(parent.messages()).to_have_text(
        ["Con tôi bị sốt.", "[vi] お大事になさってください。"]
    )
    original = parent.frame.get_by_test_id("school-message-original").last
    await original.locator("summary").click()
    await expect(original).to_contain_text("お大事になさってください。")
    await check_axe(mobile)

    # At the gate: the shell's scanner reads the child's QR for the app (typed here).
    await teacher.frame.get_by_test_id("school-back").click()
    await teacher.frame.get_by_test_id("school-scan").click()
    await expect(page.get_by_test_id("scan-sheet")).to_be_visible()
    await page.get_by_test_id("scan-text").fill(qr)
    await page.get_by_test_id("scan-submit").click()
    await expect(teacher.frame.get_by_test_id("school-message-status")).to_have_text(
        "さくらさんが登園しました。"
    )
    row = teacher.frame.get_by_test_id("school-board-row").filter(has_text="さくら")
    await expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^\d{1,2}:\d{2}$"))  # 9:05
    await check_axe(page)

    # The teacher is also the school's administrator: she adds a reason of the school's own,
    # and reads the share of absences reported through the app.
    await grant(city, teacher_account, "admin")
    await teacher.open_again()
    await teacher.frame.get_by_test_id("school-staff-link").click()
    await teacher.frame.get_by_test_id("school-reasons-link").click()
    school = teacher.frame.get_by_test_id("school-reasons").filter(has_text="みどり小学校")
    await school.get_by_test_id("school-reason-label").fill("感染症（出席停止）")
    await school.get_by_test_id("school-reason-add").click()
    await expect(teacher.frame.get_by_test_id("school-reasons-status")).to_be_visible()
    await expect(
        teacher.frame.get_by_test_id("school-reasons").filter(has_text="みどり小学校")
    ).to_contain_text("感染症（出席停止）")
    await check_axe(page)
    await teacher.frame.get_by_test_id("school-back").click()
    await teacher.frame.get_by_test_id("school-figures-link").click()
    figures = teacher.frame.get_by_test_id("school-figures").filter(has_text="みどり小学校")
    month = (
        figures.get_by_test_id("school-figures-table")
        .locator("tbody tr")
        .filter(has_text=tomorrow[:7])
    )
    await expect(month.locator("td")).to_have_text(["1", "1", "100.0%"])
    await check_axe(page)
