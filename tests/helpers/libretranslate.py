"""A LibreTranslate server in a thread, answering as its published API does (``GET /languages``,
``POST /translate`` with ``q`` a string or a list, JSON or form-encoded, ``api_key`` when one is
required; errors as ``{"error": "..."}``). It "translates" by tagging: ``[vi] 本文``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

# The codes LibreTranslate 1.6 lists (zt: Traditional Chinese, pb: Brazilian Portuguese).
CODES = ("en", "ja", "vi", "zh-Hans", "zt", "ko", "tl", "id", "ne", "pb", "pt")


@dataclass
class LibreTranslateStub:
    url: str = ""
    api_key: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)

    def translated(self, text: str, target: str) -> str:
        return f"[{target}] {text}"


@contextmanager
def libretranslate(api_key: str = "") -> Iterator[LibreTranslateStub]:
    stub = LibreTranslateStub(api_key=api_key)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: Any) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path != "/languages":
                self._send(404, {"error": "Not Found"})
                return
            targets = list(CODES)
            self._send(200, [{"code": c, "name": c, "targets": targets} for c in CODES])

        def do_POST(self) -> None:
            if self.path != "/translate":
                self._send(404, {"error": "Not Found"})
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw or b"{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            stub.requests.append(body)
            if stub.api_key and body.get("api_key") != stub.api_key:
                self._send(403, {"error": "Invalid API key"})
                return
            q, source, target = body.get("q"), body.get("source"), body.get("target")
            if q is None:
                self._send(400, {"error": "Invalid request: missing q parameter"})
                return
            for code in (source, target):
                if code not in CODES:
                    self._send(400, {"error": f"{code} is not supported"})
                    return
            if isinstance(q, list):
                self._send(200, {"translatedText": [stub.translated(t, target) for t in q]})
            else:
                self._send(200, {"translatedText": stub.translated(q, target)})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
