"""Fixtures for the library app: the app, its modules, a small catalogue."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import FakeShell, MemoryPlatform

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "library"
MINIAPP = load_miniapp(APP_FOLDER)
PKG = MINIAPP.route_handlers[0].fn.__module__.rsplit(".", 1)[0]

CSV = (ROOT / "tests" / "miniapps" / "library" / "catalogue.csv").read_text(encoding="utf-8")


def module(name: str) -> Any:
    return importlib.import_module(f"{PKG}.{name}")


@pytest.fixture(name="platform")
def fx_platform() -> MemoryPlatform:
    return MemoryPlatform("library")


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell()


@pytest.fixture(name="web")
def fx_web(shell: FakeShell, platform: MemoryPlatform) -> Any:
    return shell.create_app(MINIAPP, platform=platform.platform)


@pytest.fixture(name="catalogue")
async def fx_catalogue(db: Any) -> dict[str, Any]:
    """The small catalogue above; returns branch ids by code and title ids by key."""
    importer, catalog, tables = module("importer"), module("catalog"), module("tables")
    await catalog.import_records(importer.parse_csv(CSV.encode()), "test.csv")
    branches = {b["code"]: b["id"] for b in await tables.LibraryBranch.select()}
    titles = {t["key"]: t["id"] for t in await tables.LibraryTitle.select()}
    return {"branch": branches, "title": titles}
