"""The example partner app, the shop's stamp card, run as its own process: registered in the
developer portal, given credentials, reviewed and approved, consented to and used by a resident,
whose full card brings a notification through the Platform API over HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from axe import check_axe
from pages.browser import phone_page
from pages.developer import fill_app_form, open_review, submit_for_review
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from playwright.async_api import Page, expect

from shell.settings import ROOT
from tests.helpers.push import free_port

FOLDER = ROOT / "sdk" / "examples" / "stamp-card"
SHOP_CODE = "e2e-till-1"


@contextmanager
def shop_server(shell_url: str, port: int, client_id: str, secret: str, log) -> Iterator[str]:
    """``serve.py`` as the shop would run it, with the credentials from the portal."""
    env = {
        **os.environ,
        "MACHI_SHELL_URL": shell_url,
        "MACHI_CLIENT_ID": client_id,
        "MACHI_CLIENT_SECRET": secret,
        "STAMP_SHOP_CODE": SHOP_CODE,
        "STAMP_CARD_SIZE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, str(FOLDER / "serve.py"), "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/static/stamp-card/icon.svg", timeout=1
                )
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://stamp-card.localhost:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_a_shop_stamp_card_from_registration_to_a_residents_reward(browser, server, tmp_path):
    contexts = []

    async def new_page() -> Page:
        return await phone_page(browser, server, contexts)

    port = free_port()
    origin = f"http://stamp-card.localhost:{port}"
    try:
        partner = await new_page()
        await sign_up(partner, Resident(name="珈琲 店主", kana="こーひー てんしゅ"))
        await partner.goto("/developer")
        await partner.get_by_test_id("developer-register").click()
        await fill_app_form(partner, (FOLDER / "manifest.toml").read_text(), origin)
        await expect(partner).to_have_url(re.compile(r"/developer/apps/stamp-card"))
        await partner.get_by_test_id("issue-credentials").click()
        client_id = await partner.get_by_test_id("client-id").inner_text()
        secret = await partner.get_by_test_id("client-secret").inner_text()
        await check_axe(partner)

        with (
            (tmp_path / "shop.log").open("wb") as log,
            shop_server(server.base_url, port, client_id, secret, log),
        ):
            await submit_for_review(partner)

            reviewer = await new_page()
            await become_staff(
                reviewer, server, "reviewer", Resident(name="審査 担当", kana="しんさ たんとう")
            )
            await open_review(reviewer, "stamp-card")
            for check in ("manifest", "frame_ancestors", "scopes"):
                await expect(reviewer.get_by_test_id(f"check-{check}")).to_have_attribute(
                    "data-passed", "yes"
                )
            await reviewer.get_by_test_id("review-approve").click()
            await expect(reviewer.get_by_test_id("review-status")).to_have_text("公開中")

            resident = await new_page()
            await sign_up(resident, Resident(name="珈琲 好子", kana="こーひー すきこ"))
            await resident.goto("/")
            await resident.get_by_test_id("tile-stamp-card").click()
            await expect(resident.get_by_test_id("consent-sheet")).to_contain_text(
                "武雄まちなか珈琲"
            )
            await resident.get_by_test_id("consent-allow").click()

            frame = resident.frame_locator('[data-testid="miniapp-frame"]')
            await expect(frame.get_by_test_id("stamp-card")).to_contain_text("スタンプ 0 / 1")
            # The app asks the shell to read the QR at the till; the shell's sheet reads it
            # (here typed, as a resident without a working camera would) and hands over the text.
            await frame.get_by_test_id("scan-shop-qr").click()
            sheet = resident.get_by_test_id("scan-sheet")
            await expect(sheet).to_be_visible()
            await check_axe(resident)
            await resident.get_by_test_id("scan-text").fill(f"MACHI-STAMP:takeo-coffee:{SHOP_CODE}")
            await resident.get_by_test_id("scan-submit").click()
            await expect(sheet).to_be_hidden()
            await expect(frame.get_by_test_id("stamp-notice")).to_have_text(
                "スタンプを押しました。"
            )
            await expect(frame.get_by_test_id("stamp-card")).to_contain_text("スタンプ 1 / 1")

            # The full card told the resident through the Platform API: it is in their inbox.
            await resident.goto("/inbox")
            await expect(resident.get_by_test_id("inbox-item").first).to_contain_text(
                "スタンプがたまりました"
            )
            await resident.get_by_test_id("inbox-item").first.get_by_role("link").click()
            await resident.get_by_test_id("inbox-item-link").click()
            frame = resident.frame_locator('[data-testid="miniapp-frame"]')
            await frame.get_by_test_id("redeem").click()
            await expect(frame.get_by_test_id("stamp-notice")).to_contain_text("特典と交換しました")
            await expect(frame.get_by_test_id("stamp-card")).to_contain_text("スタンプ 0 / 1")
    finally:
        for context in contexts:
            await context.close()
