"""A partner's origin in a thread: ``http.server`` on 127.0.0.1, answering every GET with a page
and the ``Content-Security-Policy`` a test chooses. Reached as ``http://partner.localhost:<port>``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MANIFEST = """\
id = "{slug}"
version = "0.1.0"
publisher = "武雄スタンプ商店"
icon = "static/{slug}/icon.svg"
sdk = ">=0.1,<0.2"
scopes = ["profile.name"]

[name]
ja = "スタンプカード"
en = "Stamp card"
"""

PAGE = (
    b'<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>stamp</title></head>'
    b"<body><main><h1>stamp</h1></main></body></html>"
)


def manifest(slug: str = "stamp") -> str:
    return MANIFEST.format(slug=slug)


@contextmanager
def partner_site(csp: str | None) -> Iterator[str]:
    """Serve the partner's site; yields its origin. ``csp=None`` sends no CSP header at all."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            if csp is not None:
                self.send_header("Content-Security-Policy", csp)
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
