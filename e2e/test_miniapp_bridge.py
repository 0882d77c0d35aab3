"""The bridge between a framed mini-app and the shell, including what a hostile app might try."""

from __future__ import annotations

import asyncio

import pytest
from axe import check_axe
from pages import add_virtual_authenticator
from pages.identity import Resident, sign_up
from playwright.async_api import Frame, Page, Route, expect

pytestmark = pytest.mark.e2e

HELLO_FROM = """(app) => new Promise((resolve) => {
  let welcomed = false;
  window.addEventListener("message", (event) => {
    if (event.data && event.data.type === "welcome" && event.ports.length) { welcomed = true; }
  });
  window.parent.postMessage({machi: 1, type: "hello", app: app}, "*");
  setTimeout(() => resolve(welcomed), 1500);
})"""


async def _open_hello(page: Page) -> Frame:
    await add_virtual_authenticator(page)
    await sign_up(
        page, Resident(name="東川 登", kana="ひがしかわ のぼる", district="higashikawanobori")
    )
    await page.goto("/apps/hello")
    await page.get_by_test_id("consent-allow").click()
    frame_locator = page.frame_locator('[data-testid="miniapp-frame"]')
    await expect(frame_locator.get_by_text("こんにちは、東川 登さん")).to_be_visible(timeout=15_000)
    return next(f for f in page.frames if f != page.main_frame)


async def test_bridge_calls_are_checked_by_the_shell(page: Page):
    frame = await _open_hello(page)
    # setTitle changes the shell's heading; a scope the manifest never declared is refused.
    await frame.evaluate("() => window.machi.call('setTitle', {title: 'スタンプ'})")
    await expect(page.locator("#miniapp-title")).to_have_text("スタンプ")
    refused = await frame.evaluate(
        "() => window.machi.call('requestScopes', {scopes: ['wallet.pay']})"
        ".then(() => 'granted', (e) => e.code || String(e))"
    )
    assert refused == "not_declared"
    granted = await frame.evaluate(
        "() => window.machi.call('requestScopes', {scopes: ['profile.name']})"
    )
    assert granted == {"granted": ["profile.name"]}
    # The shell supports pay (wallet, issue 5), but only for apps whose manifest declares
    # wallet.pay; hello does not, so the shell refuses before drawing any sheet.
    assert await frame.evaluate("() => window.machi.supports('pay')") is True
    paid = await frame.evaluate(
        "() => window.machi.call('pay', {amount: 100, description: 'x', reference: 'r1'})"
        ".then(() => 'paid', (e) => e.code || String(e))"
    )
    assert paid == "not_declared"
    await expect(page.get_by_test_id("pay-sheet")).to_have_count(0)


async def test_a_frame_claiming_to_be_another_app_gets_no_channel(page: Page):
    frame = await _open_hello(page)
    assert await frame.evaluate(HELLO_FROM, "stampcard") is False
    # The same message with its own id is answered: the check above can see a welcome.
    assert await frame.evaluate(HELLO_FROM, "hello") is True


async def test_the_shell_ignores_hello_from_its_own_window(page: Page):
    await _open_hello(page)
    answered = await page.evaluate(HELLO_FROM, "hello")
    assert answered is False


# Holds the frame's first two hellos in the shell's window and hands them over together, as a
# shell whose page is still busy (a slow phone, a loaded machine) does.
BUSY_SHELL = """(() => {
  if (window.top !== window) return;
  const add = EventTarget.prototype.addEventListener;
  window.addEventListener = function (type, listener, options) {
    if (type !== "message") return add.call(this, type, listener, options);
    const held = [];
    return add.call(this, type, function (event) {
      if (!(event.data && event.data.type === "hello")) return listener.call(this, event);
      held.push(event);
      if (held.length === 2) held.splice(0).forEach((e) => listener.call(window, e));
    }, options);
  };
})()"""


async def test_a_busy_shell_answering_two_hellos_at_once_keeps_the_channel_open(page: Page):
    # Before, the second hello closed the port the first welcome had handed over, and the app's
    # page waited for its token forever.
    await page.add_init_script(BUSY_SHELL)
    frame = await _open_hello(page)
    await frame.evaluate("() => window.machi.call('setTitle', {title: 'スタンプ'})")
    await expect(page.locator("#miniapp-title")).to_have_text("スタンプ")


async def test_a_failed_token_or_first_page_is_tried_again(page: Page):
    # The shell's token endpoint and the app's first page each fail once (a busy server, a
    # dropped connection); before, the app's page stayed on "Loading…" for good.
    failed: list[str] = []

    async def once(route: Route) -> None:
        request = route.request
        kind = "token" if request.url.endswith("/token") else "page"
        if kind == "page" and "authorization" not in request.headers:
            await route.continue_()  # the boot page itself
            return
        if kind not in failed:
            failed.append(kind)
            await route.fulfill(status=503, body="busy")
            return
        await route.continue_()

    await page.route("**/apps/hello/token", once)
    await page.route("http://hello.localhost:*/", once)
    await _open_hello(page)
    assert sorted(failed) == ["page", "token"]


async def test_an_app_that_cannot_be_reached_says_so_and_loads_again_on_request(page: Page):
    async def down(route: Route) -> None:
        if "authorization" in route.request.headers:
            await route.fulfill(status=503, body="down")
        else:
            await route.continue_()

    await add_virtual_authenticator(page)
    who = Resident(name="西川 登", kana="にしかわ のぼる", district="higashikawanobori")
    await sign_up(page, who)
    await page.route("http://hello.localhost:*/", down)
    await page.goto("/apps/hello")
    await page.get_by_test_id("consent-allow").click()
    frame = page.frame_locator('[data-testid="miniapp-frame"]')
    await expect(frame.get_by_role("alert")).to_contain_text("読み込めませんでした", timeout=30_000)
    await expect(frame.get_by_test_id("machi-loading")).to_be_hidden()
    await check_axe(page)
    await page.unroute("http://hello.localhost:*/", down)
    await frame.get_by_test_id("machi-reload").click()
    await expect(frame.get_by_text("こんにちは、西川 登さん")).to_be_visible()


async def test_the_first_page_loads_when_the_token_comes_before_the_apps_scripts(page: Page):
    # The app's own deferred script arrives late (a slow network); the token comes back first.
    # machi:ready was sent before htmx had read the page and was lost: "Loading…" for good.
    async def slow(route: Route) -> None:
        await asyncio.sleep(3)
        await route.continue_()

    await page.route("**/static/library/app.js", slow)
    await add_virtual_authenticator(page)
    await sign_up(page, Resident(name="北方 登", kana="きたがた のぼる"))
    await page.goto("/apps/library")
    await page.get_by_test_id("consent-allow").click()
    frame = page.frame_locator('[data-testid="miniapp-frame"]')
    await expect(frame.get_by_test_id("library-search-form")).to_be_visible()
