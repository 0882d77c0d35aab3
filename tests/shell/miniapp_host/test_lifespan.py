"""A hosted mini-app's own startup and shutdown hooks run within the shell's lifespan."""

from __future__ import annotations

import dataclasses

from shell import db
from shell.app import create_app
from shell.miniapp_host import keys


async def test_hosted_apps_start_and_stop_with_the_shell(settings, tmp_path):
    keys.forget_cached_key()
    engine = db.engine_for_url(f"sqlite:///{tmp_path / 'own.sqlite3'}")
    db.bind(engine)
    await db.migrate()
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
