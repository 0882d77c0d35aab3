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
    # the disaster middleware read the mode for this page (shell/disaster/state.py)
    if "disaster" in request.state:
        mode = request.state.disaster
    else:
        mode = await queries.mode(settings.municipality_code)
    return {
        "mode": mode,
        "shelters": await queries.shelters(),
        "check": check,
        "answer": answer,
        "hotline": settings.disaster_hotline,
        "notices": await queries.notices(request.state.get("locale") or "ja"),
    }


async def disaster_home(request: Request[Any, Any, Any]) -> Response[str] | None:
    """The disaster home for a signed-in resident while disaster mode is on; else ``None``."""
    if not request.state.get("account"):
        return None
    if "disaster" in request.state and not request.state.disaster:
        return None  # the disaster middleware read the mode for this request: off
    context = await menu_context(request)
    if not context["mode"]:
        return None
    return render(request, "disaster/home.html", context)
