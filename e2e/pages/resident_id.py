"""Page objects for the digital resident ID: the card, the counter request, the counter's
scanner, and the verifier's /verify."""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path

from playwright.async_api import Locator, Page, expect


async def wait_until_kept(page: Page) -> None:
    """Wait until the service worker has kept this page and its assets for offline use."""
    await expect(page.locator("html")).to_have_attribute("data-kept", "1", timeout=30_000)


class IdCardPage:
    path = "/id"

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> IdCardPage:
        await self.page.goto(self.path)
        return self

    @property
    def badge(self) -> Locator:
        return self.page.get_by_test_id("verified-badge")

    @property
    def qr(self) -> Locator:
        return self.page.get_by_test_id("id-qr")

    @property
    def qr_status(self) -> Locator:
        return self.page.get_by_test_id("id-qr-status")

    async def request_counter_check(self, into: Path) -> Path:
        """Open "verify at the counter" and photograph the request QR the clerk will scan."""
        await self.page.get_by_test_id("verify-at-counter").click()
        await self.page.wait_for_url(re.compile(r"/id/counter$"))
        await self.page.get_by_test_id("counter-qr").screenshot(path=str(into))
        return into

    async def show(self, choice: str, into: Path) -> Path:
        """Pick what the QR discloses; save the QR exactly as drawn (what a camera would read)."""
        before = await self.qr.get_attribute("data-presentation")
        await self.page.get_by_test_id(f"disclose-{choice}").check()
        await expect(self.qr).not_to_have_attribute("data-presentation", before or "")
        data_url = await self.qr.evaluate("(canvas) => canvas.toDataURL('image/png')")
        await asyncio.to_thread(into.write_bytes, base64.b64decode(data_url.split(",", 1)[1]))
        return into


class CounterScanner:
    """The staff console's counter page: scan the resident's request, record the check."""

    path = "/staff/resident-id/"

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> CounterScanner:
        await self.page.goto(self.path)
        return self

    async def scan_image(self, image: Path) -> None:
        await self.page.get_by_test_id("scan-file").set_input_files(str(image))
        await self.page.wait_for_url(re.compile(r"/staff/resident-id/requests/[\w-]+$"))

    async def record_check(
        self,
        document_type: str,
        photo: Path | None = None,
        address: str = "佐賀県武雄市武雄町大字武雄1234番地5",
    ) -> None:
        await self.page.get_by_test_id("document-type").select_option(document_type)
        await self.page.get_by_test_id("address").fill(address)
        if photo is not None:
            await self.page.get_by_test_id("photo").set_input_files(str(photo))
        await self.page.get_by_test_id("document-checked").check()
        await self.page.get_by_test_id("mark-verified").click()
        await expect(self.page.get_by_test_id("verified-done")).to_be_visible()


class VerifierPage:
    path = "/verify"

    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> VerifierPage:
        await self.page.goto(self.path)
        return self

    async def open_and_sync(self) -> VerifierPage:
        """Opened online, and waited for until the city's keys and revocation list are fetched
        anew: the page shows the copy it kept at once, then replaces it."""
        opened = await self.page.evaluate("Date.now()")
        await self.open()
        await self.page.wait_for_function(
            "(since) => Number(document.getElementById('verify-sync').dataset.syncedAt) >= since",
            arg=opened,
        )
        await expect(self.sync).to_contain_text("時点")
        return self

    @property
    def sync(self) -> Locator:
        return self.page.get_by_test_id("verify-sync")

    @property
    def result(self) -> Locator:
        return self.page.get_by_test_id("verify-result")

    async def scan_image(self, image: Path) -> None:
        await self.result.evaluate("(node) => { node.hidden = true; }")
        await self.page.get_by_test_id("scan-file").set_input_files(str(image))
        await expect(self.result).to_be_visible()

    async def check_text(self, text: str) -> None:
        """What a hardware scanner in keyboard mode hands over: the QR's text."""
        await self.result.evaluate("(node) => { node.hidden = true; }")
        await self.page.evaluate("(text) => window.MachiVerify.check(text)", text)
        await expect(self.result).to_be_visible()
