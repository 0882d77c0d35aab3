"""The water and sewerage bill mini-app, as a resident sees it inside the shell's frame."""

from __future__ import annotations

from playwright.async_api import FrameLocator, Page, expect


class WaterApp:
    """Open from the home screen, link an account, read its bills, chart and one bill."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-water").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await expect(sheet).to_contain_text("お知らせを送ること")
        await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_test_id("water-link-form")).to_be_visible()

    async def link(self, customer_number: str, code: str) -> None:
        await self.frame.get_by_label("お客さま番号", exact=True).fill(customer_number)
        await self.frame.get_by_label("照会コード", exact=True).fill(code)
        await self.frame.get_by_test_id("water-link-submit").click()

    async def open_account(self, customer_number: str) -> None:
        await self.frame.get_by_test_id("water-account").filter(has_text=customer_number).click()
        await expect(self.frame.get_by_test_id("water-account-title")).to_contain_text(
            customer_number
        )

    async def open_latest_bill(self) -> None:
        await self.frame.get_by_test_id("water-bill-link").first.click()
        await expect(self.frame.get_by_test_id("water-bill-total")).to_be_visible()

    async def back_to_accounts(self) -> None:
        await self.frame.get_by_role("link", name="← お客さま番号").click()
        await self.frame.get_by_test_id("water-back").click()
        await expect(self.frame.get_by_test_id("water-link-form")).to_be_visible()

    async def staff_lookup(self, customer_number: str) -> None:
        await self.frame.get_by_test_id("water-staff-link").click()
        # Wait for the staff page itself before typing: the link swaps the page in with htmx.
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("水道担当")
        number = self.frame.get_by_label("お客さま番号", exact=True)
        await number.fill(customer_number)
        await expect(number).to_have_value(customer_number)
        await self.frame.get_by_test_id("water-staff-lookup").click()
        await expect(self.frame.get_by_test_id("water-staff-account")).to_contain_text(
            customer_number
        )
