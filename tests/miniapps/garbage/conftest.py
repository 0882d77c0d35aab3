"""Fixtures for the garbage calendar: the app, Saga City's real data, residents' tokens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "garbage"
SAGA = ROOT / "miniapps" / "garbage" / "data" / "saga-city"  # unchanged copy of ../shared/data

MINIAPP = load_miniapp(APP_FOLDER)


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


@pytest.fixture(name="saga_folder", scope="session")
def fx_saga_folder() -> Path:
    if not (SAGA / "area_days.csv").is_file():
        pytest.fail(f"Saga City's 5374 data is missing at {SAGA}")
    return SAGA


@pytest.fixture(name="saga")
async def fx_saga(db: Any, saga_folder: Path) -> dict[str, int]:
    """Saga City's data imported into the test database."""
    importer, actions = module("importer"), module("actions")
    return await actions.import_5374(importer.read_folder(saga_folder))


platform, shell, web = miniapp_fixtures(MINIAPP)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts without the schedule data another test's database left in the cache."""
    module("queries").forget()
