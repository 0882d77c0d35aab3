"""The home screen's service tiles: every hosted mini-app."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.web.home import HomeSection, home_section


@home_section
async def service_tiles(request: Request[Any, Any, Any]) -> HomeSection | None:
    apps = await request.app.state.miniapps.aall()
    if not apps:
        return None
    return HomeSection("miniapp_host/_tiles.html", order=10, context={"apps": apps})
