"""Page objects for disaster mode: the staff page, the answers page, a resident's open page."""

from __future__ import annotations

import re

from playwright.async_api import Locator, Page, expect


async def live_connected(page: Page) -> None:
    """Wait until the page's live-event stream is subscribed (``<html data-live="open">``)."""
    await expect(page.locator("html")).to_have_attribute("data-live", "open")


async def mark_document(page: Page) -> None:
    """Tag this document, to prove later that what changed on it came without a reload."""
    await page.evaluate("window.__noReload = true")


async def not_reloaded(page: Page) -> bool:
    return bool(await page.evaluate("window.__noReload === true"))


class StaffDisasterPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> None:
        await self.page.goto("/staff/disaster")
        await expect(self.page.get_by_role("heading", level=1)).to_have_text("災害対応")

    async def switch_on(self, reason: str) -> None:
        await self.page.get_by_test_id("mode-reason").fill(reason)
        await self.page.get_by_test_id("mode-confirm").check()
        await self.page.get_by_test_id("mode-on").click()
        await expect(self.page.get_by_test_id("disaster-done")).to_contain_text("開始しました")

    async def switch_off(self) -> None:
        await self.open()
        await self.page.get_by_test_id("mode-confirm").check()
        await self.page.get_by_test_id("mode-off").click()
        await expect(self.page.get_by_test_id("disaster-done")).to_contain_text("終了しました")

    async def start_check(self, title: str) -> None:
        await self.page.get_by_test_id("check-title").fill(title)
        await self.page.get_by_test_id("check-start").click()
        await self.page.wait_for_url(re.compile(r"/staff/disaster/checks/\d+$"))

    async def close_open_check(self) -> None:
        await self.open()
        if await self.page.get_by_test_id("check-close").count():
            await self.page.get_by_test_id("check-close").click()
            await expect(self.page.get_by_test_id("disaster-done")).to_be_visible()

    def need_help(self) -> Locator:
        return self.page.get_by_test_id("need-help")

    def district(self, name: str) -> Locator:
        return self.page.get_by_test_id("district-row").filter(has_text=name)


class ResidentDisasterView:
    """What a resident sees: the banner on any page, the disaster home, the safety check."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def banner(self) -> Locator:
        return self.page.get_by_test_id("disaster-banner")

    def disaster_home(self) -> Locator:
        return self.page.get_by_test_id("disaster-home")

    async def answer_need_help(self, *, place: str, household: int) -> None:
        await self.page.get_by_test_id("answer-need-help").click()
        await expect(self.page.get_by_test_id("answer-saved")).to_be_visible()
        await self.page.get_by_test_id(f"place-{place}").check()
        await self.page.get_by_test_id("household").fill(str(household))
        await self.page.get_by_test_id("details-submit").click()
        await expect(self.page.get_by_test_id("answer-saved")).to_be_visible()


async def set_hidden(page: Page, hidden: bool) -> None:
    """Make the page believe its tab was hidden (or shown again), as switching tabs does."""
    await page.evaluate(
        """(hidden) => {
            Object.defineProperty(document, "visibilityState", {
                value: hidden ? "hidden" : "visible", configurable: true,
            });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )
