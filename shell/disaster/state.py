"""Disaster mode for every page: the layout's banner reads ``request.state.disaster``."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import ASGIApp, Receive, Scope, Send

from shell.disaster import queries


def middleware(app: ASGIApp) -> ASGIApp:
    """On GET pages, load the current disaster mode (one indexed read) for the layout's banner."""

    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            request: Request[Any, Any, Any] = Request(scope)
            if not request.url.path.startswith(("/static/", "/live/", "/api/")):
                code = request.app.state.settings.municipality_code
                request.state.disaster = await queries.mode(code)
        await app(scope, receive, send)

    return run
