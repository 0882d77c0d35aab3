"""The home screen's service tiles: every hosted mini-app."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.web.home import home_section


@home_section("miniapp_host/_tiles.html", order=10)
async def service_tiles(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    apps = await request.app.state.miniapps.aall()
    if not apps:
        return None
    return {"apps": apps}
