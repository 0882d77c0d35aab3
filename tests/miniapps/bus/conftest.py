"""Fixtures for the on-demand bus app: the app, its modules, the benchmark instances."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "bus"
MINIAPP = load_miniapp(APP_FOLDER)
INSTANCES = APP_FOLDER / "data" / "darp-cordeau"


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


#: The tests' clock: a Tuesday morning in Asia/Tokyo.
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))


@pytest.fixture(name="clock")
def fx_clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A settable clock for the app (``clock.at(hh, mm)``)."""
    rules = module("rules")

    class Clock:
        now = NOW

        def at(self, hour: int, minute: int = 0) -> None:
            self.now = NOW.replace(hour=hour, minute=minute)

    clock = Clock()
    monkeypatch.setattr(rules, "now", lambda: clock.now.astimezone(dt.UTC))
    return clock


platform, shell, web = miniapp_fixtures(MINIAPP)


@pytest.fixture(name="service")
async def fx_service(db: Any, clock: Any) -> dict[str, Any]:
    """The demo stops and vans; returns stop ids by name and vehicle ids."""
    await module("demo").load_demo()
    tables = module("tables")
    stops = {s["name"]: s["id"] for s in await tables.BusStop.select()}
    vehicles = [v["id"] for v in await tables.BusVehicle.select().order_by(tables.BusVehicle.id)]
    return {"stop": stops, "vehicles": vehicles}
