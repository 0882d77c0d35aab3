"""A phone-sized browser context per person in a multi-person test, each with a passkey device."""

from __future__ import annotations

from typing import Any

from playwright.async_api import BrowserContext, Page

from pages.webauthn import add_virtual_authenticator


async def phone_page(browser: Any, server: Any, contexts: list[BrowserContext]) -> Page:
    """A fresh context (kept in ``contexts`` for closing) and its page, with an authenticator."""
    context = await browser.new_context(
        base_url=server.base_url, locale="ja-JP", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(20_000)
    contexts.append(context)
    page = await context.new_page()
    await add_virtual_authenticator(page)
    return page
