"""The on-demand bus mini-app inside the shell's frame: a rider, and staff (operator, driver)."""

from __future__ import annotations

import re

from playwright.async_api import FrameLocator, Locator, Page, expect


class BusApp:
    """Open from the home screen; the rider's and the staff's screens."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-bus").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("デマンドバス")

    # --- a rider ---

    async def register(self, companions: int = 0) -> None:
        await self.frame.get_by_test_id("bus-companions").fill(str(companions))
        await self.frame.get_by_test_id("bus-register").click()
        await expect(self.frame.get_by_test_id("bus-message")).to_contain_text("登録しました")

    async def book_now(self, pickup: str, drop: str) -> str:
        """Book a ride from ``pickup`` to ``drop`` (stop names) now; the ride number."""
        form = self.frame.get_by_test_id("bus-book-form")
        await form.get_by_test_id("bus-from").select_option(label=pickup)
        await form.get_by_test_id("bus-to").select_option(label=drop)
        await self.frame.get_by_test_id("bus-book").click()
        await expect(self.frame.get_by_test_id("bus-accepted")).to_be_visible()
        return (await self.frame.get_by_test_id("bus-number").inner_text()).strip()

    async def vehicle(self) -> str:
        """The vehicle named on the ride page (お迎え予定 HH:MMごろ（NAME）)."""
        said = await self.frame.get_by_test_id("bus-eta").inner_text()
        found = re.search(r"（(.+)）", said)
        assert found, said
        return found.group(1)

    def status(self) -> Locator:
        return self.frame.get_by_test_id("bus-status")

    # --- staff ---

    async def open_staff(self) -> None:
        await self.frame.get_by_test_id("bus-nav-staff").click()
        await expect(self.frame.get_by_test_id("bus-board")).to_be_visible()

    async def serve_all_day(self) -> None:
        """The operator's settings: service hours 00:00–23:59 (the test runs at any hour)."""
        await self.frame.get_by_test_id("bus-settings-link").click()
        form = self.frame.get_by_test_id("bus-settings-form")
        await expect(form).to_be_visible()
        await form.get_by_label("運行開始").fill("00:00")
        await form.get_by_label("運行終了").fill("23:59")
        await self.frame.get_by_test_id("bus-save-settings").click()
        await expect(self.frame.get_by_test_id("bus-message")).to_have_text("保存しました。")

    async def drive(self, vehicle: str) -> None:
        await self.frame.get_by_test_id("bus-nav-driver").click()
        await self.frame.get_by_test_id("bus-driver-vehicle").filter(has_text=vehicle).click()
        await expect(self.frame.get_by_test_id("bus-route")).to_be_visible()

    def next_stop(self) -> Locator:
        return self.frame.get_by_test_id("bus-next")

    async def picked_up(self, number: str) -> None:
        step = self.frame.get_by_test_id("bus-step").filter(has_text=number)
        await step.get_by_test_id("bus-picked-up").click()
