"""Fixtures for the school liaison app: the app, its modules, a school with two classes."""

from __future__ import annotations

from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import FakeShell, app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "school"
MINIAPP = load_miniapp(APP_FOLDER)


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


platform, shell, web = miniapp_fixtures(MINIAPP)


@pytest.fixture(name="files", autouse=True)
def fx_files(tmp_path: Any) -> Any:
    storage = module("storage")
    storage.use(storage.LocalFiles(tmp_path / "school-files"))
    yield tmp_path / "school-files"
    storage.use(None)


@pytest.fixture(autouse=True)
async def fx_no_watcher() -> Any:
    """Each test starts without the database watcher of an earlier test (ids restart)."""
    yield
    await module("delivery").stop_watching()


@pytest.fixture(name="school")
async def fx_school(db: Any) -> dict[str, Any]:
    """みどり小学校 1年1組 (teacher-a) and 1年2組 (teacher-b), the child はると in 1年1組."""
    actions = module("actions")
    one, one_code = await actions.create_class("みどり小学校", "1年1組", grade=1,
                                               office_hours="平日 8:00〜16:30")  # fmt: skip
    two, two_code = await actions.create_class("みどり小学校", "1年2組", grade=1)
    await actions.join_class("teacher-a", one_code)
    await actions.join_class("teacher-b", two_code)
    child, code = await actions.add_child(one, "はると", "はると")
    return {"one": one, "two": two, "child": child, "code": code, "staff_code": one_code}


def token(shell: FakeShell, sub: str = "parent-1", *, roles: tuple[str, ...] = (),
          locale: str = "ja", scopes: tuple[str, ...] = ("notify",)) -> str:  # fmt: skip
    return shell.token("school", sub=sub, scopes=list(scopes), roles=list(roles), locale=locale)
