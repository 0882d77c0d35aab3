"""Send browsers that arrive on a loopback IP to the public host.

Passkeys are bound to a relying-party id, which cannot be an IP address: a resident who opens
http://127.0.0.1:8000 is sent to http://localhost:8000 (the default public URL), where they work.
Only HTML page loads are redirected, so scripts and health checks see the address they asked.
"""

from __future__ import annotations

from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send

from shell.settings import Settings

LOOPBACK = {"127.0.0.1", "[::1]", "::1"}


def canonical_host_middleware(settings: Settings) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == "GET":
                headers = dict(scope["headers"])
                host = headers.get(b"host", b"").decode("latin-1")
                hostname = (
                    host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
                )
                accept = headers.get(b"accept", b"").decode("latin-1")
                if (
                    hostname in LOOPBACK
                    and settings.public_host not in LOOPBACK
                    and "text/html" in accept
                ):
                    query = scope.get("query_string", b"").decode("latin-1")
                    location = settings.public_url + scope["path"] + (f"?{query}" if query else "")
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 307,
                            "headers": [
                                (b"location", location.encode()),
                                (b"content-length", b"0"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b""})
                    return
            await app(scope, receive, send)

        return middleware

    return factory
