"""Page objects for the installable-app pages: /install and the offline page."""

from __future__ import annotations

from playwright.async_api import Locator, Page


class InstallPage:
    """/install: how to add Machi to the home screen, and Chrome's install button."""

    path = "/install"

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> InstallPage:
        await self.page.goto(self.path)
        return self

    @property
    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    @property
    def iphone(self) -> Locator:
        return self.page.get_by_test_id("install-ios")

    @property
    def android(self) -> Locator:
        return self.page.get_by_test_id("install-android")

    @property
    def install_prompt(self) -> Locator:
        return self.page.get_by_test_id("install-prompt")

    @property
    def install_button(self) -> Locator:
        return self.page.get_by_test_id("install-button")

    @property
    def status(self) -> Locator:
        return self.page.get_by_test_id("install-status")


class OfflinePage:
    """What the service worker shows in place of a page it cannot fetch."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> OfflinePage:
        await self.page.goto("/offline")
        return self

    @property
    def heading(self) -> Locator:
        return self.page.get_by_test_id("offline-heading")

    @property
    def retry(self) -> Locator:
        return self.page.get_by_test_id("offline-retry")
