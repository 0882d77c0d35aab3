"""A partner registers and submits a mini-app, a reviewer approves it, a resident sees it."""

from __future__ import annotations

import re

import pytest
from axe import check_axe
from pages.browser import phone_page
from pages.developer import fill_app_form, open_review, partner_site, submit_for_review
from pages.identity import Resident, demo_code, recover, sign_up
from playwright.async_api import Page, expect

pytestmark = pytest.mark.e2e

MANIFEST = """\
id = "kissa-coupon"
version = "0.1.0"
publisher = "喫茶さくら"
icon = "static/kissa-coupon/icon.svg"
sdk = ">=0.1,<0.2"
scopes = ["profile.name"]

[name]
ja = "さくらのクーポン"
en = "Sakura coupons"
"""


async def test_partner_app_from_registration_to_a_residents_home(browser, server):
    contexts = []

    async def new_page() -> Page:
        return await phone_page(browser, server, contexts)

    try:
        with partner_site(server.base_url) as origin:
            partner = await new_page()
            await sign_up(partner, Resident(name="桜井 咲", kana="さくらい さき"))
            await partner.goto("/developer")
            await check_axe(partner)
            await partner.get_by_test_id("developer-register").click()
            # A mistake first: each problem is shown at its field, and nothing is saved.
            await fill_app_form(partner, 'id = "Kissa"', "http://kissa.example.jp")
            await expect(partner.get_by_test_id("form-errors")).to_be_visible()
            await expect(partner.get_by_test_id("manifest-problems")).to_contain_text(
                "「publisher」がありません"
            )
            await check_axe(partner)
            await fill_app_form(partner, MANIFEST, origin)
            await expect(partner).to_have_url(re.compile(r"/developer/apps/kissa-coupon"))
            await expect(partner.get_by_test_id("app-status")).to_have_text("下書き")
            await check_axe(partner)
            await submit_for_review(partner)
            await expect(partner.get_by_test_id("app-status")).to_have_text("審査待ち")
            await check_axe(partner)

            reviewer = await new_page()
            await recover(reviewer, demo_code(server.data_dir, "reviewer"))
            await open_review(reviewer, "kissa-coupon")
            for check in ("manifest", "frame_ancestors", "scopes"):
                await expect(reviewer.get_by_test_id(f"check-{check}")).to_have_attribute(
                    "data-passed", "yes"
                )
            await check_axe(reviewer)
            await reviewer.get_by_test_id("review-approve").click()
            await expect(reviewer.get_by_test_id("review-notice")).to_contain_text("承認しました")
            await expect(reviewer.get_by_test_id("review-status")).to_have_text("公開中")
            await check_axe(reviewer)
            await reviewer.goto("/staff/review")
            await check_axe(reviewer)

            resident = await new_page()
            await sign_up(resident, Resident(name="川上 守", kana="かわかみ まもる"))
            await resident.goto("/")
            await resident.get_by_test_id("tile-kissa-coupon").click()
            sheet = resident.get_by_test_id("consent-sheet")
            await expect(sheet).to_contain_text("さくらのクーポン")
            await expect(sheet).to_contain_text("喫茶さくら")
    finally:
        for context in contexts:
            await context.close()
