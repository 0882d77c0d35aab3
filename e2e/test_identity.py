"""Passkey accounts in Chromium: sign-up, sign-out, sign-in, a second passkey, recovery, English."""

from __future__ import annotations

import re

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import (
    Resident,
    demo_code,
    issue_recovery_code,
    recover,
    sign_in,
    sign_out,
    sign_up,
)
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e


async def test_sign_up_sign_out_and_sign_in_with_a_passkey(page: Page):
    cdp, authenticator = await add_virtual_authenticator(page)
    await page.goto("/")
    await check_axe(page)
    await page.get_by_test_id("start-signup").click()
    await expect(page).to_have_url(re.compile(r"/signup"))
    await check_axe(page)

    # A mistake first: the form says what is wrong, in Japanese, and nothing is registered.
    await page.get_by_test_id("signup-name").fill("佐賀 次郎")
    await page.get_by_test_id("signup-name_kana").fill("Jiro")
    await page.get_by_test_id("signup-birth_date").fill("1960-02-03")
    await page.get_by_test_id("signup-district").select_option("asahi")
    await page.get_by_test_id("signup-submit").click()
    await expect(page.get_by_test_id("form-errors")).to_be_visible()
    await expect(page.locator("#f-name_kana-error")).to_contain_text("ひらがなかカタカナ")
    await check_axe(page)
    credentials = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert credentials["credentials"] == []

    await page.get_by_test_id("signup-name_kana").fill("さが じろう")
    await page.get_by_test_id("signup-submit").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("佐賀 次郎")
    await check_axe(page)
    credentials = await cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(credentials["credentials"]) == 1
    assert credentials["credentials"][0]["isResidentCredential"]

    await page.goto("/account")
    await expect(page.get_by_test_id("profile-name")).to_have_text("佐賀 次郎")
    await check_axe(page)
    await sign_out(page)
    await check_axe(page)
    await page.goto("/account")
    await expect(page).to_have_url(re.compile(r"/signin\?next=/account"))

    await sign_in(page)
    await expect(page.get_by_role("heading", level=1)).to_contain_text("佐賀 次郎")


async def test_second_passkey_then_remove_the_first(page: Page):
    cdp, phone = await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="山内 太郎", kana="やまうち たろう", district="yamauchi"))
    # The resident's tablet: another authenticator; the phone is put away.
    await cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": phone})
    await add_virtual_authenticator(page)
    await page.goto("/account")
    await page.get_by_test_id("passkey-add").click()
    await expect(page.get_by_role("status")).to_contain_text("パスキーを追加しました")
    await expect(page.get_by_test_id("passkey-item")).to_have_count(2)
    await check_axe(page)

    await page.get_by_test_id("passkey-remove").first.click()
    await expect(page.get_by_test_id("passkey-item")).to_have_count(1)
    await expect(page.get_by_test_id("passkeys-notice")).to_contain_text("パスキーを削除しました")
    # The last passkey cannot go.
    await page.get_by_test_id("passkey-remove").click()
    await expect(page.get_by_test_id("passkeys-error")).to_contain_text("最後のパスキー")
    await expect(page.get_by_test_id("passkey-item")).to_have_count(1)

    await sign_out(page)
    await sign_in(page)  # with the tablet's passkey
    await expect(page.get_by_role("heading", level=1)).to_contain_text("山内 太郎")


async def test_sign_out_everywhere(page: Page, context):
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="北方 三郎", kana="きたがた さぶろう", district="kitagata"))
    await page.goto("/account")
    await page.get_by_test_id("signout-everywhere").click()
    await expect(page).to_have_url(re.compile(r"/signin\?everywhere=1"))
    await expect(page.get_by_role("status")).to_contain_text("すべての端末からサインアウトしました")
    await check_axe(page)


async def test_recovery_with_a_code_from_the_counter(browser, server):
    phone = Resident(
        name="若木 梅子", kana="わかき うめこ", birth_date="1941-07-07", district="wakaki"
    )
    contexts = []

    async def new_page() -> Page:
        context = await browser.new_context(
            base_url=server.base_url, locale="ja-JP", viewport={"width": 390, "height": 844}
        )
        contexts.append(context)
        return await context.new_page()

    try:
        resident = await new_page()
        await add_virtual_authenticator(resident)
        await sign_up(resident, phone)

        # The counter clerk enrols their own passkey with the demo's one-time code...
        clerk = await new_page()
        await add_virtual_authenticator(clerk)
        await recover(clerk, demo_code(server.data_dir, "counter"))
        await clerk.goto("/staff")
        await check_axe(clerk)
        # ...then, after checking the resident's documents, issues a code.
        code = await issue_recovery_code(clerk, "わかき")
        assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", code)
        await check_axe(clerk)

        # The resident lost their phone: a new phone, a new passkey, with the code.
        new_phone = await new_page()
        await add_virtual_authenticator(new_phone)
        await new_phone.goto("/signin")
        await new_phone.get_by_test_id("recover-link").click()
        await check_axe(new_phone)
        await new_phone.get_by_test_id("recover-code").fill("WRONG-CODE-0000")
        await new_phone.get_by_test_id("recover-submit").click()
        await expect(new_phone.get_by_test_id("recover-error")).to_contain_text("復旧コード")
        await check_axe(new_phone)
        await recover(new_phone, code.lower())
        await expect(new_phone.get_by_role("status").first).to_contain_text(
            "新しいパスキーを登録しました"
        )
        await expect(new_phone.get_by_test_id("passkey-item")).to_have_count(1)

        # The old phone's session has ended; the code works only once.
        await resident.goto("/account")
        await expect(resident).to_have_url(re.compile(r"/signin"))
        third = await new_page()
        await third.goto("/recover")
        await third.get_by_test_id("recover-code").fill(code)
        await third.get_by_test_id("recover-submit").click()
        await expect(third.get_by_test_id("recover-error")).to_be_visible()

        # The audit log shows each step to an admin.
        admin = await new_page()
        await add_virtual_authenticator(admin)
        await recover(admin, demo_code(server.data_dir, "admin"))
        await admin.goto("/staff/audit")
        table = admin.get_by_test_id("audit-table")
        for action in ("recovery.issued", "recovery.used", "resident.viewed", "account.created"):
            await expect(table).to_contain_text(action)
        await check_axe(admin)
        await admin.goto("/staff/roles")
        await check_axe(admin)
    finally:
        for context in contexts:
            await context.close()


async def test_switching_to_english(page: Page):
    await page.goto("/")
    await page.get_by_test_id("language-link").click()
    await check_axe(page)
    await page.get_by_test_id("lang-en").check()
    await page.get_by_test_id("lang-save").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_test_id("start-signin")).to_have_text("Sign in")
    await check_axe(page)
    await page.goto("/signup")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
