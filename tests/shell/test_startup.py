"""Expired sessions are swept at startup and every hour after, and a sweep that fails at
startup (the database busy with another worker starting) never keeps the server from starting."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

from shell import jobs
from shell.app import create_app
from shell.identity.tables import WebSession
from shell.web.session_store import DatabaseStore, sweep_expired
from tests.conftest import make_client
from tests.helpers.lifespan import own_database


async def test_expired_sessions_are_swept_at_startup(settings, tmp_path):
    await own_database(tmp_path)
    now = dt.datetime.now(dt.UTC)
    await WebSession.insert(
        WebSession(key="old", value=b"{}", expires_at=now - dt.timedelta(days=1)),
        WebSession(key="live", value=b"{}", expires_at=now + dt.timedelta(days=1)),
    )
    async with create_app(settings).lifespan():
        kept = await WebSession.select(WebSession.key)
    assert kept == [{"key": "live"}]


async def test_a_busy_database_at_startup_does_not_stop_the_server(
    settings, tmp_path, monkeypatch, caplog
):
    await own_database(tmp_path)

    async def busy(self: DatabaseStore) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(DatabaseStore, "delete_expired", busy)
    app = create_app(settings)
    machi = logging.getLogger("machi")  # the app's logging keeps its records off the root logger
    machi.addHandler(caplog.handler)
    monkeypatch.setattr(machi, "level", logging.WARNING)
    try:
        async with app.lifespan(), make_client(app) as client:
            assert (await client.get("/healthz")).status_code == 200
    finally:
        machi.removeHandler(caplog.handler)
    assert "expired sessions not swept at startup" in caplog.text


async def test_expired_sessions_are_swept_every_hour_while_the_server_runs(db):
    now = dt.datetime.now(dt.UTC)
    await WebSession.insert(
        WebSession(key="old", value=b"{}", expires_at=now - dt.timedelta(minutes=1)),
        WebSession(key="live", value=b"{}", expires_at=now + dt.timedelta(days=1)),
    )
    sweep = next(p for p in jobs.periodic_jobs() if p.name == "sessions.sweep_expired")
    assert sweep.every == dt.timedelta(hours=1)
    assert sweep.run is sweep_expired
    assert not sweep.at_start  # the app sweeps while starting; the timer takes over an hour later
    await sweep.run()
    assert await WebSession.select(WebSession.key) == [{"key": "live"}]
