"""The installable app in Chromium: installability, the offline shell, push, install help, a11y."""

from __future__ import annotations

import json
import struct
from typing import Any

import pytest
from axe import check_axe
from pages import (
    InstallPage,
    OfflinePage,
    deliver_push,
    notifications,
    wait_for_service_worker,
)
from playwright.async_api import BrowserContext, Page, expect

pytestmark = pytest.mark.e2e

KEY_BLUE = "rgb(0, 49, 216)"  # the header's background: proof that machi.css and its tokens loaded


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_manifest_passes_chromium_installability_check(
    page: Page, context: BrowserContext
) -> None:
    await page.goto("/")
    await wait_for_service_worker(page)
    cdp = await context.new_cdp_session(page)

    errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    # Playwright's contexts are off the record: Chromium reports that, and every other check
    # still runs (a page without a manifest gets "no-manifest" next to it).
    assert [e for e in errors if e["errorId"] != "in-incognito"] == []

    app_manifest = await cdp.send("Page.getAppManifest")
    assert app_manifest["url"].endswith("/manifest.webmanifest")
    assert app_manifest["errors"] == []
    manifest: dict[str, Any] = json.loads(app_manifest["data"])
    assert manifest["name"].startswith("Machi")
    assert manifest["short_name"] == "Machi"
    assert manifest["start_url"] == "/?source=pwa"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0031d8"
    assert manifest["background_color"] == "#ffffff"
    assert manifest["lang"] == "ja"

    icons = {(icon["sizes"], icon.get("purpose", "any")): icon["src"] for icon in manifest["icons"]}
    assert set(icons) >= {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), src in icons.items():
        response = await page.request.get(src)
        assert response.ok, src
        assert response.headers["content-type"] == "image/png"
        assert "x".join(map(str, png_size(await response.body()))) == sizes, src


async def test_offline_the_service_worker_serves_the_offline_page(page: Page, server: Any) -> None:
    install = await InstallPage(page).open()
    await wait_for_service_worker(page)
    await install.open()  # now through the worker, which keeps a copy of the page
    await server.astop()
    offline = OfflinePage(page)
    try:
        # visited before: the copy the worker kept, not the offline page
        await install.open()
        await expect(install.iphone).to_be_visible()
        await expect(offline.heading).to_have_count(0)

        # never visited: the worker answers with its offline page, at the address asked for
        await page.goto("/signup?from=offline-test")
        await expect(offline.heading).to_have_text("インターネットにつながっていません")
        assert page.url.endswith("/signup?from=offline-test")
        await expect(page.locator(".app-header")).to_have_css("background-color", KEY_BLUE)
        await expect(offline.retry).to_be_visible()
    finally:
        await server.astart()

    # back online, "retry" loads the page that was asked for
    await offline.retry.click()
    await expect(offline.heading).to_have_count(0)
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/signup?from=offline-test")


async def _push(page: Page, context: BrowserContext, server: Any, payload: dict[str, Any]) -> dict:
    """Deliver one push to a fresh page's service worker; return the notification it shows."""
    # permission first, so the worker never starts without it (granting later raced under load)
    await context.grant_permissions(["notifications"], origin=server.base_url)
    await InstallPage(page).open()
    await wait_for_service_worker(page)
    assert await page.evaluate("() => Notification.permission") == "granted"
    # Chromium's DevTools delivery now and then drops a push under load (about 1 run in 6 here,
    # with the worker controlling the page and permission granted): deliver again, at most twice.
    shown: list[dict[str, Any]] = []
    for _attempt in range(3):
        await deliver_push(page, payload)
        shown = await notifications(page, count=1, within=6.0)
        if shown:
            break
    assert shown, "the service worker showed no notification after three deliveries"
    return shown[0]


async def test_push_shows_the_payload(page: Page, context: BrowserContext, server: Any) -> None:
    shown = await _push(
        page, context, server,
        {"title": "ごみ出し", "body": "明日は燃えるごみの日です。", "url": "/account"},
    )  # fmt: skip
    assert shown["title"] == "ごみ出し"
    assert shown["body"] == "明日は燃えるごみの日です。"
    assert shown["data"] == {"url": server.url("/account")}
    assert shown["icon"] == server.url("/static/icons/icon-192.png")


async def test_push_keeps_links_on_this_origin(
    page: Page, context: BrowserContext, server: Any
) -> None:
    shown = await _push(
        page, context, server, {"title": "外部", "url": "https://evil.example/", "tag": "t2"}
    )
    assert shown["title"] == "外部"
    assert shown["data"] == {"url": server.url("/")}  # never another origin
    assert shown["tag"] == "t2"


async def test_install_page_shows_the_iphone_and_android_steps(page: Page) -> None:
    install = await InstallPage(page).open()
    await expect(install.heading).to_have_text("Machi をホーム画面に追加する")
    await expect(install.iphone.get_by_role("heading")).to_have_text("iPhone・iPad（Safari）")
    await expect(install.iphone).to_contain_text("共有")
    await expect(install.iphone).to_contain_text("ホーム画面に追加")
    await expect(install.android).to_contain_text("アプリをインストール")
    # Chrome's own prompt has not been offered to this page: no button that would do nothing
    await expect(install.install_prompt).to_be_hidden()


# What Chromium fires when the app may be installed; a real one needs an engaged user.
FAKE_INSTALL_PROMPT = """() => {
  const event = new Event("beforeinstallprompt", { cancelable: true });
  event.prompt = () => { window.machiPrompted = true; return Promise.resolve(); };
  event.userChoice = Promise.resolve({ outcome: "accepted", platform: "web" });
  window.dispatchEvent(event);
}"""


async def test_install_button_offers_chromes_prompt_when_there_is_one(page: Page) -> None:
    install = await InstallPage(page).open()
    await expect(install.install_prompt).to_be_hidden()
    await page.evaluate(FAKE_INSTALL_PROMPT)
    await expect(install.install_button).to_be_visible()
    await install.install_button.click()
    await expect(install.status).to_have_text("ホーム画面に追加しました。")
    assert await page.evaluate("() => window.machiPrompted") is True
    await expect(install.install_prompt).to_be_hidden()


@pytest.mark.parametrize("path", ["/offline", "/install"])
async def test_pages_pass_axe(page: Page, path: str) -> None:
    await page.goto(path)
    await check_axe(page)


@pytest.mark.parametrize("path", ["/offline", "/install"])
async def test_pages_reflow_at_320_css_pixels_with_44px_targets(page: Page, path: str) -> None:
    # WCAG 1.4.10: at 320 CSS px (1280 px at 400% zoom) nothing may need sideways scrolling.
    await page.set_viewport_size({"width": 320, "height": 640})
    await page.goto(path)
    overflow = await page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px wide"
    small = await page.evaluate(
        """() => [...document.querySelectorAll('.button, .app-header a, .bottom-nav a')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => [el.textContent.trim(), el.getBoundingClientRect().height])
            .filter(([, height]) => height < 44)"""
    )
    assert small == [], f"touch targets under 44px on {path}: {small}"
    font_size = await page.evaluate("() => getComputedStyle(document.body).fontSize")
    assert float(font_size.removesuffix("px")) >= 16
