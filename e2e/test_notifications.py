"""A resident turns notifications on; a notifier sends to their district; it reaches the device's
service worker, the inbox, and the staff page's live counts; the tap lands on the message."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from axe import check_axe
from pages import deliver_push, notifications, wait_for_service_worker
from pages.browser import phone_page
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from pages.webpush import pushes, turn_on_push, use_local_push
from playwright.async_api import expect


async def test_a_notifier_reaches_a_resident_in_their_district(browser, server, push_service):
    contexts: list[Any] = []
    resident = await phone_page(browser, server, contexts)
    notifier = await phone_page(browser, server, contexts)
    resident_context = resident.context
    try:
        await resident_context.grant_permissions(["notifications"], origin=server.base_url)
        device = await use_local_push(resident_context, push_service)
        await sign_up(resident, Resident(name="若木 通知", kana="わかき つうち", district="wakaki"))
        await turn_on_push(resident)
        await expect(resident.get_by_test_id("push-status")).to_have_text(
            "この端末に通知が届くようになりました。"
        )
        # She gives her toddler's month of birth, for child-rearing notices by age.
        born = dt.date.today().replace(day=1) - dt.timedelta(days=400)
        await resident.get_by_test_id("child-month-input").fill(born.strftime("%Y-%m"))
        await resident.get_by_test_id("child-add").click()
        await expect(resident.get_by_test_id("child-month")).to_have_text(
            f"{born.year}年{born.month}月生まれ 削除: {born.year}年{born.month}月生まれ"
        )
        await check_axe(resident)

        await become_staff(
            notifier, server, "notifier", Resident(name="配信 担当", kana="はいしん たんとう")
        )
        await notifier.goto("/staff/notifications/new")
        await notifier.get_by_test_id("title-ja").fill("若木町の断水のお知らせ")
        await notifier.get_by_test_id("body-ja").fill("明日10時から12時まで断水します。")
        await notifier.get_by_label("若木町").check()
        await notifier.get_by_test_id("child-age-1-2").check()  # and has a child aged 1 or 2
        await notifier.get_by_test_id("preview").click()
        await expect(notifier.get_by_test_id("reach")).to_contain_text(
            re.compile(r"\d+人に届きます")
        )
        await check_axe(notifier)
        await notifier.get_by_test_id("send").click()
        await expect(notifier.get_by_test_id("message-status")).to_have_text("送信済み")

        # The push service got the encrypted message and decrypted it with the device's keys.
        received = await pushes(push_service, device)
        assert received[0]["urgency"] == "normal"
        payload = json.loads(received[0]["data"])
        assert payload["title"] == "若木町の断水のお知らせ"

        # The last hop: the push service hands it to the page's service worker.
        await resident.goto("/")
        await wait_for_service_worker(resident)
        shown: list[dict[str, Any]] = []
        for _attempt in range(3):  # DevTools delivery now and then drops one under load
            await deliver_push(resident, received[0]["data"])
            shown = await notifications(resident, count=1, within=6.0)
            if shown:
                break
        assert shown, "the service worker showed no notification"
        assert shown[0]["title"] == "若木町の断水のお知らせ"
        # The worker reported the arrival; the staff page's counts update by themselves.
        await expect(notifier.get_by_test_id("stat-delivered")).to_have_text("1", timeout=15_000)

        # The inbox has it, unread; tapping the notification opens it.
        await resident.reload()
        await expect(resident.get_by_test_id("unread-badge")).to_be_visible()
        await resident.goto(shown[0]["data"]["url"])
        await expect(resident.get_by_test_id("inbox-item-title")).to_have_text(
            "若木町の断水のお知らせ"
        )
        await expect(resident.get_by_test_id("inbox-item-body")).to_contain_text("断水します")
        await check_axe(resident)
        await expect(notifier.get_by_test_id("stat-opened")).to_have_text("1", timeout=15_000)
        await check_axe(notifier)
        await resident.goto("/inbox")
        await expect(resident.get_by_test_id("inbox-item")).to_have_count(1)
        await check_axe(resident)
    finally:
        for context in contexts:
            await context.close()
