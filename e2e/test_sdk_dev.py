"""``machi-sdk dev`` in Chromium: a partner opens the simulator and uses their app as a resident,
through the real bridge handshake, the app on its own origin and real signed tokens."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from playwright.async_api import expect

from shell.settings import ROOT
from tests.helpers.push import free_port


@pytest.fixture(name="simulator")
def fx_simulator(tmp_path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "dev.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from machi_sdk.cli import main; main()", "dev",
         "sdk/examples/hello", "--port", str(port)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/state", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


async def test_a_partner_uses_their_app_in_the_simulated_shell(browser, simulator):
    context = await browser.new_context(locale="ja-JP", viewport={"width": 1200, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(simulator)
        await expect(page.get_by_test_id("dev-consent")).to_contain_text("profile.name")
        await page.get_by_role("button", name="Allow and open").click()
        frame = page.frame_locator("#miniapp-frame")
        await expect(frame.get_by_test_id("hello-greeting")).to_have_text(
            "こんにちは、武雄 花子さん"
        )
        await expect(frame.get_by_test_id("hello-visits")).to_have_text("1")
        await page.get_by_role("textbox", name="Name").fill("嬉野 太郎")
        await page.get_by_role("button", name="Relaunch as this resident").click()
        await expect(frame.get_by_test_id("hello-greeting")).to_have_text(
            "こんにちは、嬉野 太郎さん"
        )
        # What the app asked of the Platform is kept by the simulator and shown beside the app.
        state = await (await page.request.get(f"{simulator}/state")).json()
        assert state["kpis"] == {"visits": 2}
        await page.get_by_role("link", name="Refresh").click()
        await expect(page.get_by_test_id("dev-state")).to_contain_text('"visits": 2')
    finally:
        await context.close()
