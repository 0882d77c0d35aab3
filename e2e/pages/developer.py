"""Page objects for the developer portal and staff review, and a partner's origin to point at."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.async_api import Page, expect

PAGE = (
    b'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>kissa</title></head>'
    b"<body><main><h1>kissa</h1></main></body></html>"
)


@contextmanager
def partner_site(shell_origin: str) -> Iterator[str]:
    """A partner's site on a free port, letting ``shell_origin`` frame it; yields its origin,
    ``http://partner.localhost:<port>`` (Chromium and the shell's check both reach loopback)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Security-Policy", f"frame-ancestors {shell_origin}")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://partner.localhost:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def fill_app_form(page: Page, manifest: str, origin: str, webhook: str = "") -> None:
    await page.get_by_test_id("app-manifest").fill(manifest)
    await page.get_by_test_id("app-origin").fill(origin)
    await page.get_by_test_id("app-webhook").fill(webhook)
    await page.get_by_test_id("app-save").click()


async def submit_for_review(page: Page) -> None:
    await page.get_by_test_id("app-submit").click()
    await expect(page.get_by_test_id("developer-notice")).to_contain_text("審査に出しました")


async def open_review(page: Page, slug: str) -> None:
    await page.goto("/staff")
    await page.get_by_test_id("staff-review").click()
    await page.get_by_test_id(f"review-{slug}").click()
