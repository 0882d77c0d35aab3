"""The mother-child handbook mini-app, as a parent and as health-centre staff see it inside the
shell's frame."""

from __future__ import annotations

from playwright.async_api import FrameLocator, Page, expect


class HandbookApp:
    """Open from the home screen; register a child, record, chart, plan; questionnaire and
    booking; the health centre's page and CSV export."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.frame: FrameLocator = page.frame_locator('[data-testid="miniapp-frame"]')

    async def open_from_home(self) -> None:
        await self.page.goto("/")
        await self.page.get_by_test_id("tile-handbook").click()
        sheet = self.page.get_by_test_id("consent-sheet")
        await expect(sheet).to_be_visible()
        await expect(sheet).to_contain_text("お知らせを送ること")
        await self.page.get_by_test_id("consent-allow").click()
        await expect(self.frame.get_by_test_id("handbook-add-child")).to_be_visible()

    async def add_child(self, name: str, born: str) -> None:
        await self.frame.get_by_test_id("handbook-child-name").fill(name)
        await self.frame.get_by_label("女の子").check()
        await self.frame.get_by_test_id("handbook-child-born").fill(born)
        await self.frame.get_by_test_id("handbook-add-child-submit").click()
        await expect(self.frame.get_by_test_id("handbook-done")).to_have_text(
            "お子さんを登録しました。"
        )

    async def record(self, height: str, weight: str) -> None:
        await self.frame.get_by_test_id("handbook-record-height").fill(height)
        await self.frame.get_by_test_id("handbook-record-weight").fill(weight)
        await self.frame.get_by_test_id("handbook-record-submit").click()
        await expect(self.frame.get_by_test_id("handbook-done")).to_have_text("記録しました。")

    async def growth(self) -> None:
        await self.frame.get_by_test_id("handbook-growth-link").click()
        await expect(self.frame.get_by_test_id("handbook-svg-wfa")).to_be_visible()

    async def plan(self) -> None:
        await self.frame.get_by_test_id("handbook-plan-link").click()
        await expect(self.frame.get_by_test_id("handbook-dose-form")).to_be_visible()

    async def answer_questionnaire(self) -> None:
        await self.frame.get_by_test_id("handbook-nav-questionnaire").click()
        form = self.frame.get_by_test_id("handbook-questionnaire")
        await expect(form).to_be_visible()
        for question, answer in (("first_child", "はい"), ("health", "よい"), ("sleep", "いいえ"),
                                 ("helper", "いる")):  # fmt: skip
            await (
                form.get_by_test_id(f"handbook-q-{question}")
                .get_by_label(answer, exact=True)
                .check()
            )
        await form.get_by_label("育児のこと").check()
        await form.get_by_test_id("handbook-q-worries").fill("夜泣きが心配です")
        await form.get_by_test_id("handbook-q-submit").click()
        await expect(self.frame.get_by_test_id("handbook-done")).to_contain_text(
            "アンケートを送りました"
        )

    async def book_first_slot(self) -> str:
        slot = self.frame.get_by_test_id("handbook-slot").first
        label = await self.frame.locator(
            f'label[for="{await slot.get_attribute("id")}"]'
        ).inner_text()
        await slot.check()
        await self.frame.get_by_test_id("handbook-book").click()
        await expect(self.frame.get_by_test_id("handbook-done")).to_contain_text(
            "面談を予約しました"
        )
        return label

    async def staff_page(self) -> None:
        await self.frame.get_by_test_id("handbook-nav-staff").click()
        await expect(self.frame.get_by_role("heading", level=1)).to_have_text("保健センター")

    def child(self):
        """The app's frame (its own origin)."""
        return next(f for f in self.page.frames if "//handbook." in f.url)

    async def wait_until_kept_offline(self) -> None:
        """Until the app's service worker holds the offline page and the child is on the device."""
        await self.child().wait_for_function(
            "async () => !!(await caches.match('/offline'))"
            " && !!localStorage.getItem('handbook-children')",
            polling=250,
            timeout=15_000,
        )

    async def reload_frame(self) -> None:
        await self.child().evaluate("() => { location.reload(); }")
