"""Disaster mode for every page: the layout's banner reads ``request.state.disaster``."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from shell.disaster import queries
from shell.web.request import ShellRequest

# No page, so no banner: assets, the event stream, APIs, health, push receipts.
SKIP = (
    "/static/",
    "/live/",
    "/api/",
    "/healthz",
    "/sw.js",
    "/manifest.webmanifest",
    "/.well-known/",
    "/notifications/receipts/",
)


def middleware(app: ASGIApp) -> ASGIApp:
    """Load the current disaster mode (one indexed read) for the layout's banner: every page,
    including one a form post answers with."""

    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = ShellRequest(scope)
            if not request.url.path.startswith(SKIP):
                code = request.app.state.settings.municipality_code
                request.state.disaster = await queries.mode(code)
        await app(scope, receive, send)

    return run
