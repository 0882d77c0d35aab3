"""The garbage calendar mini-app, as a resident sees it inside the shell's frame."""

from __future__ import annotations

from playwright.async_api import Frame, FrameLocator, Page, expect


class GarbageApp:
    """Open from the home screen, pick an area, search, remind, and read the calendar offline."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-garbage").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await expect(sheet).to_contain_text("お知らせを送ること")
        await self.page.get_by_test_id("consent-allow").click()

    def child(self) -> Frame:
        """The app's frame (its own origin)."""
        return next(f for f in self.page.frames if "//garbage." in f.url)

    async def wait_for_htmx(self, test_id: str) -> None:
        """Until htmx has wired the element (right after a swap, typing may come first)."""
        await expect(self.frame.get_by_test_id(test_id)).to_be_visible()
        await self.child().wait_for_function(
            'id => { const e = document.querySelector(`[data-testid="${id}"]`);'
            " return !!(e && e['htmx-internal-data']); }",
            arg=test_id,
            polling=100,
        )

    async def pick_area(self, search: str, name: str) -> None:
        await self.wait_for_htmx("garbage-area-search")
        await self.frame.get_by_test_id("garbage-area-search").fill(search)
        await self.frame.get_by_test_id("garbage-area-option").filter(has_text=name).first.click()
        await expect(self.frame.get_by_test_id("garbage-area-name")).to_have_text(name)

    async def open_calendar(self) -> None:
        await self.frame.get_by_test_id("garbage-nav-calendar").click()
        await expect(self.frame.get_by_test_id("garbage-calendar")).to_be_visible()

    async def search_dictionary(self, words: str) -> None:
        await self.frame.get_by_test_id("garbage-nav-dictionary").click()
        search = self.frame.get_by_test_id("garbage-dictionary-search")
        await self.wait_for_htmx("garbage-dictionary-search")
        await search.fill(words)
        # Enter submits the search form: the same results as the live search, whichever is first.
        await search.press("Enter")

    async def turn_on_reminders(self, category: str) -> None:
        await self.frame.get_by_test_id("garbage-nav-reminders").click()
        await self.frame.get_by_label(category, exact=False).first.check()
        await self.frame.get_by_test_id("garbage-reminders-on").click()
        await expect(self.frame.get_by_test_id("garbage-saved")).to_be_visible()

    async def wait_until_kept_offline(self) -> None:
        """Until the app's service worker holds the area's coming months."""
        await self.child().wait_for_function(
            "async () => !!(await caches.match('/offline'))", polling=250, timeout=15_000
        )

    async def reload_frame(self) -> None:
        """Load the app's page again in its frame (a navigation the service worker answers)."""
        await self.child().evaluate("() => { location.reload(); }")
