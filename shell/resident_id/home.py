"""The home screen's resident ID section."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.resident_id.queries import is_verified
from shell.web.home import HomeSection, home_section


@home_section
async def resident_id_tile(request: Request[Any, Any, Any]) -> HomeSection | None:
    account = request.state.get("account")
    if not account:
        return None
    verified = await is_verified(account["id"])
    return HomeSection("resident_id/_home_tile.html", order=5, context={"verified": verified})
