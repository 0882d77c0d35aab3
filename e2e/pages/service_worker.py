"""Service-worker helpers: wait until it controls a page, deliver a push, read notifications."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from playwright.async_api import Page

# Resolves once a service worker controls the page (or says why not, after timeout_ms).
_CONTROLLED = """async (timeoutMs) => {
  if (!("serviceWorker" in navigator)) { return "unsupported"; }
  const container = navigator.serviceWorker;
  const deadline = Date.now() + timeoutMs;
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!(await container.getRegistration("/"))) {
    if (Date.now() > deadline) { return "unregistered"; }
    await pause(100);
  }
  const ready = container.ready.then(() => true);
  while (!container.controller) {
    if (Date.now() > deadline) {
      return (await Promise.race([ready, pause(0)])) ? "uncontrolled" : "not-ready";
    }
    await pause(100);
  }
  await ready;
  return "controlled";
}"""


async def wait_for_service_worker(page: Page, within: float = 30.0) -> None:
    """Wait (up to ``within`` seconds) until the page's own script has registered /sw.js and the
    worker controls the page; fail saying which step did not happen."""
    state = await page.evaluate(_CONTROLLED, int(within * 1000))
    hints = {
        "unregistered": "no service worker was registered: does web/base.html load "
        "/static/js/sw-register.js?",
        "not-ready": "the service worker never activated: did its install (precache) fail?",
        "uncontrolled": "the service worker is active but does not control the page "
        "(clients.claim() missing?)",
        "unsupported": "this browser context has no service workers",
    }
    assert state == "controlled", f"{page.url}: {hints.get(state, state)}"


async def _registration_id(page: Page, scope: str) -> tuple[Any, str]:
    """The id of the registration whose worker controls ``page``.

    The DevTools ServiceWorker domain reports the registrations of the whole browser, so earlier
    tests' contexts on the same origin and scope show up too; the worker version that lists this
    page among its controlled clients tells which one is ours.
    """
    cdp = await page.context.new_cdp_session(page)
    page_target = (await cdp.send("Target.getTargetInfo"))["targetInfo"]["targetId"]
    ours: dict[str, str] = {}

    def on_version(event: dict[str, Any]) -> None:
        for version in event["versions"]:
            if page_target in version.get("controlledClients", []):
                ours["id"] = version["registrationId"]

    cdp.on("ServiceWorker.workerVersionUpdated", on_version)
    await cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if "id" in ours:
            return cdp, ours["id"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no service worker for {scope} controls {page.url}")


async def deliver_push(page: Page, payload: dict[str, Any] | str) -> None:
    """Fire a ``push`` event at the page's service worker, as a push service would.

    Chromium delivers it straight to the worker (CDP ``ServiceWorker.deliverPushMessage``); no
    subscription or push service is involved, so this tests the worker's handler only.
    """
    origin = page.url.split("/", 3)
    scope = f"{origin[0]}//{origin[2]}/"
    cdp, registration_id = await _registration_id(page, scope)
    try:
        await cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": scope.rstrip("/"),
                "registrationId": registration_id,
                "data": payload if isinstance(payload, str) else json.dumps(payload),
            },
        )
    finally:
        await cdp.detach()


async def notifications(page: Page, count: int = 1, within: float = 10.0) -> list[dict[str, Any]]:
    """The notifications the service worker shows, once there are at least ``count``."""
    script = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
        .map((n) => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon, data: n.data}))"""
    shown: list[dict[str, Any]] = []
    for _ in range(int(within / 0.1)):
        shown = await page.evaluate(script)
        if len(shown) >= count:
            break
        await asyncio.sleep(0.1)
    return shown
