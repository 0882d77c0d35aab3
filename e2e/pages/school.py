"""The school and nursery liaison mini-app inside the shell's frame: a guardian and a teacher."""

from __future__ import annotations

from playwright.async_api import FrameLocator, Locator, Page, expect


class SchoolApp:
    """Open from the home screen; the guardian's and the teacher's screens."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-school").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_test_id("school-link-form")).to_be_visible()

    async def open_again(self) -> None:
        """Open the app from the home screen once more (a new launch: roles granted since
        count)."""
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-school").click()
        await expect(self.frame.get_by_test_id("school-link-form")).to_be_visible()

    # --- a guardian ---

    # A guardian may read the app in another language: their steps go by ids, not by labels.

    async def link_child(self, code: str) -> None:
        await self.frame.locator("#school-code").fill(code)
        await self.frame.get_by_test_id("school-link-submit").click()
        await expect(self.frame.get_by_test_id("school-linked")).to_be_visible()

    async def open_child(self, name: str) -> None:
        await self.frame.get_by_test_id("school-child").filter(has_text=name).click()
        await expect(self.frame.get_by_test_id("school-child-title")).to_contain_text(name)

    async def report_absence(self, day: str, symptoms: list[str], note: str = "") -> None:
        """Absent on ``day`` (YYYY-MM-DD), unwell, with ``symptoms`` (ids: fever, cough…)."""
        form = self.frame.get_by_test_id("school-notice-form")
        await form.locator('input[name="kind"][value="absent"]').check()
        await form.locator("#school-day").fill(day)
        await form.locator("#school-reason").select_option("illness")
        for symptom in symptoms:
            await form.locator(f'input[name="symptoms"][value="{symptom}"]').check()
        if note:
            await form.locator("#school-note").fill(note)
        await self.frame.get_by_test_id("school-notice-submit").click()
        await expect(self.frame.get_by_test_id("school-notice-saved")).to_be_visible()

    async def qr_text(self) -> str:
        qr = self.frame.get_by_test_id("school-qr")
        await expect(qr).to_be_visible()
        return str(await qr.get_attribute("data-qr"))

    async def open_conversation(self) -> None:
        await self.frame.get_by_test_id("school-talk").first.click()
        await expect(self.frame.get_by_test_id("school-compose")).to_be_visible()
        # the page listens for new messages as soon as it is shown
        await expect(self.frame.get_by_test_id("school-poll")).to_have_count(1)

    async def send_message(self, body: str) -> None:
        await self.frame.locator("#school-body").fill(body)
        await self.frame.get_by_test_id("school-send").click()
        await expect(self.frame.get_by_test_id("school-sent")).to_be_visible()

    def messages(self) -> Locator:
        return self.frame.get_by_test_id("school-message-text")

    # --- a teacher ---

    async def join_class(self, staff_code: str) -> None:
        await self.frame.get_by_test_id("school-staff-link").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("職員の画面")
        await self.frame.get_by_label("職員用コード", exact=True).fill(staff_code)
        await self.frame.get_by_test_id("school-join").click()
        await expect(self.frame.get_by_test_id("school-joined")).to_be_visible()

    async def open_class(self, name: str) -> None:
        await self.frame.get_by_test_id("school-class-link").filter(has_text=name).click()
        await expect(self.frame.get_by_test_id("school-class-title")).to_contain_text(name)

    async def enrol(self, first_name: str, kana: str) -> str:
        form = self.frame.get_by_test_id("school-enrol-form")
        await form.get_by_label("名前", exact=True).fill(first_name)
        await form.get_by_label("ふりがな", exact=True).fill(kana)
        await self.frame.get_by_test_id("school-enrol").click()
        code = self.frame.get_by_test_id("school-code")
        await expect(code).to_be_visible()
        return (await code.inner_text()).strip()

    def board(self) -> Locator:
        return self.frame.get_by_test_id("school-board")
