"""The home screen's resident ID section."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.resident_id.queries import is_verified
from shell.web.home import home_section


@home_section("resident_id/_home_tile.html", order=5)
async def resident_id_tile(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    account = request.state.get("account")
    if not account:
        return None
    verified = await is_verified(account["id"])
    return {"verified": verified}
