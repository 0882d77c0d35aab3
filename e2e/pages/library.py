"""The library mini-app, as a resident and as a librarian see it inside the shell's frame."""

from __future__ import annotations

import re

from playwright.async_api import Frame, FrameLocator, Page, expect


class LibraryApp:
    """Open from the home screen, make a card, search, hold; the librarian's counter."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self, *, first_time: bool = True) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-library").click()
        if first_time:  # the consent sheet, once
            sheet = self.page.get_by_test_id("consent-sheet")
            await expect(sheet).to_be_visible()
            await expect(sheet).to_contain_text("お知らせを送ること")
            await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_test_id("library-search-form")).to_be_visible()

    def child(self) -> Frame:
        """The app's frame (its own origin)."""
        return next(f for f in self.page.frames if "//library." in f.url)

    async def wait_until_kept_offline(self) -> None:
        """Until the app's service worker holds the offline card page."""
        await self.child().wait_for_function(
            "async () => !!(await caches.match('/offline'))", polling=250, timeout=15_000
        )

    async def reload_frame(self) -> None:
        """Load the app's page again in its frame (a navigation the service worker answers)."""
        await self.child().evaluate("() => { location.reload(); }")

    async def make_card(self) -> str:
        await self.frame.get_by_test_id("library-issue").click()
        number = self.frame.get_by_test_id("library-card-number")
        await expect(number).to_have_text(re.compile(r"^\d{10}$"))
        return await number.inner_text()

    async def search(self, query: str) -> None:
        await self.frame.get_by_test_id("library-nav-search").click()
        box = self.frame.get_by_test_id("library-q")
        await box.fill(query)
        await expect(box).to_have_value(query)
        await self.frame.get_by_test_id("library-search-submit").click()
        await expect(self.frame.get_by_test_id("library-results")).to_be_visible()

    async def open_result(self, title: str) -> None:
        await self.frame.get_by_test_id("library-result").filter(has_text=title).click()
        await expect(self.frame.get_by_test_id("library-title")).to_have_text(title)

    async def hold(self, pickup: str) -> None:
        await self.frame.get_by_test_id("library-pickup").select_option(label=pickup)
        await self.frame.get_by_test_id("library-hold").click()
        await expect(self.frame.get_by_test_id("library-done")).to_contain_text("予約しました")

    async def my_library(self) -> None:
        await self.frame.get_by_test_id("library-nav-me").click()
        await expect(self.frame.get_by_test_id("library-holds")).to_be_visible()

    async def counter(self, branch: str) -> None:
        await self.frame.get_by_test_id("library-nav-staff").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("図書館カウンター")
        await self.frame.get_by_test_id("library-counter-branch-in").select_option(label=branch)

    async def check_in(self, barcode: str) -> None:
        box = self.frame.get_by_test_id("library-in-barcode")
        await box.fill(barcode)
        await expect(box).to_have_value(barcode)
        await self.frame.get_by_test_id("library-checkin").click()
