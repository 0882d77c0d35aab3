"""Notifications in the browser: a push subscription on the local push service, and the pages.

Headless Chromium has no browser-vendor push service, so ``pushManager`` is replaced (before any
page script runs) by a substitute that hands out a subscription made on the local push service,
whose keys that service holds: everything the server does — RFC 8291 encryption, VAPID, TTL,
Urgency, Topic — is real and checked by the service, which decrypts each message. The test then
plays the last hop, handing the decrypted payload to the page's service worker over DevTools.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from playwright.async_api import BrowserContext, Page

from shell.notifications.localpush import LocalPushService

_SUBSTITUTE = """(subscription) => {
  let current = null;
  const made = {
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    toJSON() {
      return { endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys };
    },
    async unsubscribe() { current = null; return true; },
  };
  PushManager.prototype.subscribe = async function () { current = made; return made; };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


async def use_local_push(context: BrowserContext, service: LocalPushService) -> str:
    """Give every page of ``context`` a push subscription on ``service``; returns its device id."""
    subscription = service.subscribe()
    device_id = subscription.pop("id")
    await context.add_init_script(f"({_SUBSTITUTE})({json.dumps(subscription)})")
    return str(device_id)


async def pushes(service: LocalPushService, device_id: str, count: int = 1, within: float = 20.0
                 ) -> list[dict[str, Any]]:  # fmt: skip
    """The decrypted messages the device received, once there are ``count``."""
    for _ in range(int(within / 0.1)):
        messages = service.devices[device_id].messages
        if len(messages) >= count:
            return messages
        await asyncio.sleep(0.1)
    raise AssertionError(f"the push service received {len(messages)} of {count} pushes")


async def turn_on_push(page: Page) -> None:
    await page.goto("/notifications/settings")
    await page.get_by_test_id("push-on").click()
