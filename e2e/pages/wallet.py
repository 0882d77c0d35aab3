"""Page objects for the wallet: the resident's wallet, the local gateway, the scanner, and the
merchant console; and a fake camera that shows a QR code to Chromium."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Page, expect


def qr_video(text: str, path: Path, *, size: int = 480, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays) showing the QR code of ``text``."""
    import qrcode

    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    scale = size // len(matrix)
    offset = (size - scale * len(matrix)) // 2
    luma = bytearray([235]) * (size * size)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (offset + y * scale + dy) * size + offset + x * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((size // 2) * (size // 2))
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(
        f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * frames
    )
    return path


class WalletPage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open(self) -> None:
        await self.page.goto("/wallet")
        await expect(self.page.get_by_role("heading", level=1)).to_have_text("ウォレット")

    async def total(self) -> str:
        return (await self.page.get_by_test_id("wallet-total").inner_text()).strip()

    async def top_up(self, amount: int) -> None:
        """Choose an amount, go through the local gateway, and pay there."""
        await self.open()
        await self.page.get_by_test_id(f"topup-{amount}").check()
        await self.page.get_by_test_id("topup-submit").click()
        await self.page.wait_for_url(re.compile(r"/wallet/gateway/local/"))
        await self.page.get_by_test_id("gateway-pay").click()
        await expect(self.page.get_by_test_id("topup-status")).to_contain_text("チャージしました")

    async def scan_with_camera(self) -> None:
        await self.page.goto("/wallet/pay")
        await self.page.get_by_test_id("scanner-start").click()
        await self.page.wait_for_url(re.compile(r"/wallet/pay\?qr_text="))

    async def pay(self, amount: int) -> None:
        await self.page.get_by_test_id("pay-amount").fill(str(amount))
        await self.page.get_by_test_id("pay-submit").click()
        await expect(self.page.get_by_test_id("paid")).to_be_visible()


class MerchantConsolePage:
    def __init__(self, page: Page) -> None:
        self.page = page

    async def open_shop(self, name: str) -> None:
        await self.page.goto("/wallet")
        await self.page.get_by_role("link", name=name).click()
        await expect(self.page.get_by_role("heading", level=1)).to_have_text(name)

    def payments(self):  # type: ignore[no-untyped-def]
        return self.page.get_by_test_id("incoming").get_by_role("listitem")

    async def refund_latest(self, amount: int) -> None:
        latest = self.payments().first
        await latest.get_by_text("返金する", exact=True).first.click()
        await latest.get_by_role("textbox").fill(str(amount))
        await latest.get_by_role("button", name="返金する").click()
