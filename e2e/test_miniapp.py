"""A mini-app in its sandbox: consent, launch on its own origin, a token over the bridge, revoke."""

from __future__ import annotations

import re

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e


async def test_consent_launch_and_revoke(page: Page, server):
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="朝日 光", kana="あさひ ひかる", district="asahi"))
    await page.get_by_test_id("tile-hello").click()

    # The consent sheet names the app, its publisher and what it asks for.
    sheet = page.get_by_test_id("consent-sheet")
    await expect(sheet).to_contain_text("お名前")
    await check_axe(page)
    await page.get_by_test_id("consent-allow").click()
    await expect(page).to_have_url(re.compile(r"/apps/hello$"))

    frame_element = page.get_by_test_id("miniapp-frame")
    await expect(frame_element).to_have_attribute("sandbox", re.compile("allow-scripts"))
    frame = page.frame_locator('[data-testid="miniapp-frame"]')
    await expect(frame.get_by_text("こんにちは、朝日 光さん")).to_be_visible(timeout=15_000)
    await check_axe(page)

    # The app runs on its own origin and cannot reach into the shell.
    child = next(f for f in page.frames if f != page.main_frame)
    assert child.url.startswith(f"http://hello.localhost:{server.port}/")
    blocked = await child.evaluate(
        "() => { try { return window.parent.document.title && 'read'; }"
        " catch (e) { return e.name; } }"
    )
    assert blocked == "SecurityError"
    assert "machi_session" not in await child.evaluate("() => document.cookie")

    # Revoking in settings stops new tokens at once: the next launch asks again.
    await page.goto("/account/apps")
    await expect(page.get_by_test_id("grant-item")).to_have_count(1)
    await check_axe(page)
    await page.get_by_test_id("grant-revoke-hello").click()
    await expect(page.get_by_test_id("grant-item")).to_have_count(0)
    status = await page.evaluate(
        "async () => (await fetch('/apps/hello/token', {method: 'POST', headers: {"
        " 'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content,"
        " 'Accept': 'application/json'}})).status"
    )
    assert status == 403
    await page.goto("/apps/hello")
    await expect(page.get_by_test_id("consent-sheet")).to_be_visible()
