"""The availability page is kept as sent between two bookings: what it shows must still be what
is true now, for each resident (their language, their rate) and each facility as it is now."""

from __future__ import annotations

import datetime as dt
import re

from machi_sdk.testing import miniapp_client

from .conftest import module
from .test_app import _token


def _state(page: str, key: str) -> str:
    found = re.search(rf'data-testid="booking-cell-{key}" data-state="(\w+)"', page)
    assert found, f"no cell {key}"
    return found[1]


async def test_a_polled_grid_turns_taken_when_someone_else_books(room, web, shell):
    day = (module("rules").today() + dt.timedelta(days=2)).isoformat()
    grid = f"/facilities/{room['id']}/grid"
    async with miniapp_client(web, _token(shell, "watcher"), htmx=True) as watcher:
        for _ in range(2):  # polled twice: the second answer is the kept one
            before = await watcher.get(grid, params={"week": day})
            assert _state(before.text, f"{day}-600") == "free"
        async with miniapp_client(web, _token(shell, "booker"), htmx=True) as booker:
            booked = await booker.post(
                f"/facilities/{room['id']}/book", data={"slot": f"{day}-600"}
            )
            assert booked.status_code == 200
        after = await watcher.get(grid, params={"week": day})
        assert _state(after.text, f"{day}-600") == "taken"
        assert _state(after.text, f"{day}-660") == "free"
        # the same week from another process's point of view: the booked slot is read anew
        module("queries").forget()
        again = await watcher.get(grid, params={"week": day})
        assert _state(again.text, f"{day}-600") == "taken"


async def test_each_resident_sees_their_language_and_rate_on_the_same_week(room, web, shell):
    week = (module("rules").today() + dt.timedelta(days=1)).isoformat()
    page = f"/facilities/{room['id']}"
    citizen, visitor = _token(shell, "citizen"), _token(shell, "visitor", claims={})
    english = shell.token("booking", sub="reader", scopes=[], locale="en")
    for _ in range(2):
        async with miniapp_client(web, citizen, htmx=True) as client:
            answer = await client.get(page, params={"week": week})
            assert "市民料金 500円／枠" in answer.text
            assert answer.headers["content-language"] == "ja"
        async with miniapp_client(web, visitor, htmx=True) as client:
            answer = await client.get(page, params={"week": week})
            assert "市外料金 750円／枠" in answer.text
        async with miniapp_client(web, english, htmx=True) as client:
            answer = await client.get(page, params={"week": week})
            assert answer.headers["content-language"] == "en"
            assert "Availability (○ free" in answer.text
            assert "空き状況" not in answer.text


async def test_a_facility_change_shows_at_once_and_the_whole_page_stays_whole(room, web, shell):
    page = f"/facilities/{room['id']}"
    async with miniapp_client(web, _token(shell, "citizen"), htmx=True) as client:
        assert "市民 500円・市外 750円" in (await client.get(page)).text
    await module("actions").save_facility({**room, "fee_resident": 800}, room["id"])
    async with miniapp_client(web, _token(shell, "citizen"), htmx=True) as client:
        fragment = (await client.get(page)).text
        assert "市民 800円・市外 750円" in fragment
        assert "<html" not in fragment
    async with miniapp_client(web, _token(shell, "citizen"), htmx=False) as client:
        whole = await client.get(page)
        assert whole.status_code == 200
        assert "<html" in whole.text
        assert "市民 800円・市外 750円" in whole.text
