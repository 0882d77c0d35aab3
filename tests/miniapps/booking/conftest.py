"""Fixtures for the facility booking app: the app, its modules, a facility, residents' tokens."""

from __future__ import annotations

from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "booking"
MINIAPP = load_miniapp(APP_FOLDER)


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


ROOM = {
    "name": "市民会館 会議室A",
    "kind": "room",
    "place": "市民会館",
    "address": "武雄市武雄町1-1",
    "capacity": 30,
    "opens": 540,
    "closes": 1260,
    "slot_minutes": 60,
    "weekdays": "0123456",
    "fee_resident": 500,
    "fee_nonresident": 750,
    "discount_percent": 50,
    "cancel_free_days": 7,
    "cancel_late_percent": 50,
    "lock_id": "lock-a",
    "equipment": "プロジェクター",
    "barrier_free": True,
}


@pytest.fixture(name="room")
async def fx_room(db: Any) -> dict[str, Any]:
    """A bookable meeting room with a smart lock, open every day 9:00-21:00 in 1-hour slots."""
    actions, queries = module("actions"), module("queries")
    facility_id = await actions.save_facility(ROOM)
    return await queries.facility(facility_id)


platform, shell, web = miniapp_fixtures(MINIAPP)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts without the facility rows another test's database left in the cache."""
    module("queries").forget()
