"""Page objects for the developer portal and staff review, and a partner's origin to point at."""

from __future__ import annotations

from contextlib import AbstractContextManager

from playwright.async_api import Page, expect

from tests.helpers.partner import partner_site as serve_partner


def partner_site(shell_origin: str) -> AbstractContextManager[str]:
    """A partner's site on a free port, letting ``shell_origin`` frame it; yields its origin,
    ``http://partner.localhost:<port>`` (Chromium and the shell's check both reach loopback)."""
    return serve_partner(f"frame-ancestors {shell_origin}")


async def fill_app_form(page: Page, manifest: str, origin: str, webhook: str = "") -> None:
    await page.get_by_test_id("app-manifest").fill(manifest)
    await page.get_by_test_id("app-origin").fill(origin)
    await page.get_by_test_id("app-webhook").fill(webhook)
    await page.get_by_test_id("app-save").click()


async def submit_for_review(page: Page) -> None:
    await page.get_by_test_id("app-submit").click()
    await expect(page.get_by_test_id("developer-notice")).to_contain_text("審査に出しました")


async def open_review(page: Page, slug: str) -> None:
    await page.goto("/staff")
    await page.get_by_test_id("staff-review").click()
    await page.get_by_test_id(f"review-{slug}").click()
