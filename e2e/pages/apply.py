"""The applications and reports mini-app, as residents and staff see it inside the shell's frame."""

from __future__ import annotations

from playwright.async_api import FrameLocator, Page, expect


class ApplyApp:
    """Open from the home screen; find and fill a procedure; pay; follow it; report; staff pages."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self, *, first_time: bool = True) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-apply").click()
        if first_time:
            sheet = self.page.get_by_test_id("consent-sheet")
            await expect(sheet).to_be_visible()
            await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("申請・通報")

    async def find(self, words: str, slug: str) -> None:
        await self.frame.get_by_label("ふだんの言葉で入れてください", exact=False).fill(words)
        await self.frame.get_by_role("button", name="さがす").click()
        await self.frame.get_by_test_id(f"apply-procedure-{slug}").click()
        await expect(self.frame.get_by_test_id("apply-submit")).to_be_visible()

    async def open_application(self, number: str) -> None:
        await (
            self.frame.get_by_test_id("apply-my-application")
            .filter(has_text=number)
            .get_by_role("link")
            .click()
        )
        await expect(self.frame.get_by_test_id("apply-number")).to_have_text(number)

    async def status(self) -> str:
        return (await self.frame.get_by_test_id("apply-status").inner_text()).strip()

    # staff
    async def staff_open(self, number: str) -> None:
        await self.frame.get_by_test_id("apply-nav-staff").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("申請の受付")
        await self.frame.get_by_role("link", name=number).click()
        await expect(self.frame.get_by_test_id("apply-staff-application")).to_be_visible()

    async def staff_move(self, move: str, message: str = "") -> None:
        await self.frame.get_by_test_id(f"apply-move-{move}").check()
        if message:
            await self.frame.get_by_test_id("apply-staff-message").fill(message)
        await self.frame.get_by_test_id("apply-staff-save").click()
        await expect(self.frame.get_by_test_id("apply-message")).to_have_text("保存しました。")

    async def staff_tour_builder(self, slug: str, title: str) -> None:
        """From a staff page: the builder of one procedure, its phone preview, then the figures."""
        await self.frame.get_by_test_id("apply-staff-forms-link").click()
        await self.frame.get_by_role("link", name=title).click()
        await expect(self.frame.get_by_test_id("apply-form-state")).to_contain_text("公開中")

    async def staff_preview(self) -> None:
        await self.frame.get_by_test_id("apply-preview-link").click()
        await expect(self.frame.get_by_test_id("apply-phone")).to_be_visible()

    async def staff_kpis(self) -> None:
        await self.frame.get_by_role("link", name="作成画面に戻る").click()
        await self.frame.get_by_test_id("apply-staff-kpis-link").click()
        await expect(self.frame.get_by_test_id("apply-kpi-table")).to_be_visible()
