"""The home screen's latest notices: what arrived, unread first to the eye."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.notifications import queries
from shell.web.home import home_section


@home_section("notifications/_home.html", order=5)
async def latest_notices(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    account = request.state.get("account")
    if not account:
        return None
    items = await queries.inbox(account["id"], request.state.locale, limit=3)
    return {"items": items}
