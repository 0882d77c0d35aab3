"""A hosted mini-app's own startup and shutdown hooks run within the shell's lifespan."""

from __future__ import annotations

import dataclasses

from shell.app import create_app
from tests.helpers.lifespan import own_database


async def test_hosted_apps_start_and_stop_with_the_shell(settings, tmp_path):
    await own_database(tmp_path)
    app = create_app(dataclasses.replace(settings, miniapps=("sdk/examples/hello",)))
    hello = app.state.miniapps.get("hello").asgi
    seen: list[str] = []

    async def started() -> None:
        seen.append("started")

    async def stopped() -> None:
        seen.append("stopped")

    hello.on_startup.append(started)
    hello.on_shutdown.append(stopped)
    async with app.lifespan():
        assert seen == ["started"]
    assert seen == ["started", "stopped"]
