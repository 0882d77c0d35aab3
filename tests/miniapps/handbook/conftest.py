"""Fixtures for the mother-child handbook: the app, its modules, guardians' tokens."""

from __future__ import annotations

from typing import Any

from machi_sdk.app import load_miniapp
from machi_sdk.testing import FakeShell, app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "handbook"
MINIAPP = load_miniapp(APP_FOLDER)


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


platform, shell, web = miniapp_fixtures(MINIAPP)


def token(shell: FakeShell, sub: str = "mother", *, staff: bool = False, locale: str = "ja") -> str:
    return shell.token(
        "handbook",
        sub=sub,
        scopes=["notify"],
        locale=locale,
        roles=["health_centre"] if staff else [],
    )
