"""The facility booking mini-app, as a resident sees it inside the shell's frame."""

from __future__ import annotations

from playwright.async_api import FrameLocator, Locator, Page, expect


class BookingApp:
    """Open from the home screen, find a facility, pick a free slot, book, pay, see the permit."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-booking").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_test_id("booking-search")).to_be_visible()

    async def find(self, kind_label: str, name: str) -> None:
        await self.frame.get_by_label("種類", exact=True).select_option(label=kind_label)
        await self.frame.get_by_test_id("booking-search-submit").click()
        facility = self.frame.get_by_test_id("booking-facility").filter(has_text=name)
        await expect(facility).to_have_count(1)
        await facility.get_by_test_id("booking-facility-link").click()
        await expect(self.frame.get_by_test_id("booking-facility-name")).to_have_text(name)
        await expect(self.frame.get_by_test_id("booking-grid")).to_be_visible()

    def cell(self, key: str) -> Locator:
        return self.frame.get_by_test_id(f"booking-cell-{key}")

    async def first_free_slot(self) -> str:
        """The key (``YYYY-MM-DD-minutes``) of the first free slot on the grid."""
        box = self.frame.get_by_test_id("booking-slot").first
        await expect(box).to_be_attached()
        value = await box.get_attribute("value")
        assert value
        return value

    async def book(self, key: str) -> str:
        """Tick the slot (its label is the big target) and book; returns the booking number."""
        await self.cell(key).locator("label").click()
        await expect(self.frame.locator(f'input[value="{key}"]')).to_be_checked()
        await self.frame.get_by_test_id("booking-book").click()
        await expect(self.frame.get_by_test_id("booking-booked")).to_be_visible()
        return (await self.frame.get_by_test_id("booking-number").inner_text()).strip()

    async def pay_with_wallet(self) -> None:
        """The shell's sheet confirms the payment; the app then asks the shell and shows it."""
        await self.frame.get_by_test_id("booking-pay").click()
        sheet = self.page.get_by_test_id("pay-sheet")
        await expect(sheet).to_be_visible()
        await sheet.get_by_test_id("pay-request-confirm").click()
        await expect(self.frame.get_by_test_id("booking-payment")).to_have_text("支払い済み")

    async def open_staff_page(self) -> None:
        await self.frame.get_by_test_id("booking-nav-staff").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("施設管理")

    async def counter_booking(self, facility: str, day: str, start: str) -> None:
        """Staff enter a booking taken at the counter or by phone."""
        await self.frame.locator("#bc-f").select_option(label=facility)
        await self.frame.locator("#bc-day").fill(day)
        await self.frame.locator("#bc-start").fill(start)
        await self.frame.get_by_test_id("booking-counter").click()
        await expect(self.frame.get_by_test_id("booking-message")).to_contain_text(
            "窓口の予約を受け付けました"
        )
