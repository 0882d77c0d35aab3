"""The disaster menu that replaces the home screen while disaster mode is on."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from shell.disaster import queries
from shell.web.templates import render


async def menu_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    settings = request.app.state.settings
    account = request.state.get("account")
    check = await queries.open_check()
    answer = await queries.answer_of(check["id"], account["id"]) if check and account else None
    return {
        "mode": request.state.disaster,  # read for this page by shell/disaster/state.py
        "shelters": await queries.shelters(),
        "check": check,
        "answer": answer,
        "hotline": settings.disaster_hotline,
        "notices": await queries.notices(request.state.get("locale") or "ja"),
    }


async def disaster_home(request: Request[Any, Any, Any]) -> Response[str] | None:
    """The disaster home for a signed-in resident while disaster mode is on; else ``None``."""
    if not request.state.get("account") or not request.state.disaster:
        return None
    return render(request, "disaster/home.html", await menu_context(request))
