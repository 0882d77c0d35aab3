"""Fixtures for the library app: the app, its modules, a small catalogue."""

from __future__ import annotations

from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "library"
MINIAPP = load_miniapp(APP_FOLDER)

CSV = (ROOT / "tests" / "miniapps" / "library" / "catalogue.csv").read_text(encoding="utf-8")


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


platform, shell, web = miniapp_fixtures(MINIAPP)


@pytest.fixture(name="catalogue")
async def fx_catalogue(db: Any) -> dict[str, Any]:
    """The small catalogue above; returns branch ids by code and title ids by key."""
    importer, catalog, tables = module("importer"), module("catalog"), module("tables")
    await catalog.import_records(importer.parse_csv(CSV.encode()), "test.csv")
    branches = {b["code"]: b["id"] for b in await tables.LibraryBranch.select()}
    titles = {t["key"]: t["id"] for t in await tables.LibraryTitle.select()}
    return {"branch": branches, "title": titles}
