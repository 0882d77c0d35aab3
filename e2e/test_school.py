"""The school liaison app with two phones at once: a teacher joins her class with the staff code
from the demo and enrols a child; a parent links the child with the code she was given, reports
tomorrow's absence with symptoms and sends a message. The teacher's board shows the absence
without a reload, she answers, and the answer appears in the parent's open conversation without
a reload. At the gate the teacher scans the child's QR through the shell's scanner and the board
shows the check-in. axe on every screen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axe import check_axe
from conftest import PHONE
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from pages.school import SchoolApp
from pages.staff import become_staff
from playwright.async_api import Browser, Page, expect

pytestmark = pytest.mark.e2e

JST = dt.timezone(dt.timedelta(hours=9))


async def test_absence_message_and_gate_between_a_parent_and_a_teacher(
    page: Page, browser: Browser, server
):
    # The teacher (this page), a member of staff with the school role.
    await add_virtual_authenticator(page)
    await become_staff(
        page, server, "school_staff", Resident(name="教員 春子", kana="きょういん はるこ")
    )
    teacher = SchoolApp(page)
    await teacher.open_from_home()
    await teacher.join_class("DEMO-2A1A")
    await teacher.open_class("2年1組")
    code = await teacher.enrol("さくら", "さくら")
    await check_axe(page)

    # The parent, on a phone of her own.
    context = await browser.new_context(base_url=server.base_url, **PHONE)
    context.set_default_timeout(15_000)
    try:
        phone = await context.new_page()
        await add_virtual_authenticator(phone)
        await sign_up(phone, Resident(name="保護者 桜", kana="ほごしゃ さくら"))
        parent = SchoolApp(phone)
        await parent.open_from_home()
        await parent.link_child(code)
        await check_axe(phone)
        await parent.open_child("さくら")
        tomorrow = (dt.datetime.now(JST).date() + dt.timedelta(days=1)).isoformat()
        await parent.report_absence(tomorrow, ["発熱", "せき"], note="熱が下がりません")
        await expect(parent.frame.get_by_test_id("school-notice")).to_contain_text("欠席")
        await check_axe(phone)
        qr = await parent.qr_text()

        # The teacher's board, open all along, shows it without a reload.
        await expect(teacher.board()).to_contain_text("さくら: 欠席 体調不良（発熱、せき）")

        # A message round trip: the parent's open conversation receives the answer live.
        await parent.frame.get_by_test_id("school-back").click()
        await parent.open_conversation()
        await expect(parent.frame.get_by_test_id("school-office-hours")).to_contain_text(
            "平日 8:00〜16:30"
        )
        await parent.send_message("明日は病院に行ってから連絡します。")
        await expect(parent.messages()).to_have_text(["明日は病院に行ってから連絡します。"])
        await check_axe(phone)

        # the teacher's inbox, open all along, lists the conversation without a reload
        await expect(teacher.frame.get_by_test_id("school-inbox-item")).to_contain_text("さくら")
        await teacher.frame.get_by_test_id("school-inbox-item").first.click()
        await expect(teacher.messages()).to_have_text(["明日は病院に行ってから連絡します。"])
        await teacher.send_message("お大事になさってください。")
        await expect(parent.messages()).to_have_text(
            ["明日は病院に行ってから連絡します。", "お大事になさってください。"]
        )
        await check_axe(page)
    finally:
        await context.close()

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
    await expect(row.locator("td").nth(1)).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
    await check_axe(page)
