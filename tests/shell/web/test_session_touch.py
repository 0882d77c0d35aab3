"""A page view reads the session without writing it back; a change, or an hour, writes it."""

from __future__ import annotations

import json

from shell.identity.tables import WebSession
from shell.web import sessions
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import signup


async def _row() -> dict:
    rows = await WebSession.select(WebSession.value, WebSession.expires_at)
    assert len(rows) == 1
    return rows[0]


async def test_an_unchanged_session_is_not_written_on_every_page(client, districts, monkeypatch):
    await signup(client, SoftAuthenticator())
    signed_in = await _row()
    assert isinstance(json.loads(signed_in["value"])[sessions.TOUCHED], int)
    for _ in range(3):
        home = await client.get("/")
        assert home.status_code == 200
        assert "machi_session=" in home.headers.get("set-cookie", "")  # the cookie still slides
    assert await _row() == signed_in  # read, never written back

    monkeypatch.setattr(sessions, "TOUCH_EVERY_SECONDS", 0)  # an hour later
    assert (await client.get("/")).status_code == 200
    touched = await _row()
    assert touched["expires_at"] > signed_in["expires_at"]
    assert (
        json.loads(touched["value"])["account_id"] == json.loads(signed_in["value"])["account_id"]
    )
