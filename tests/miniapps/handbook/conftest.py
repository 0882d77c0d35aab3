"""Fixtures for the mother-child handbook: the app, its modules, guardians' tokens."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from machi_sdk.app import load_miniapp
from machi_sdk.testing import FakeShell, MemoryPlatform

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "handbook"
MINIAPP = load_miniapp(APP_FOLDER)
PKG = MINIAPP.route_handlers[0].fn.__module__.rsplit(".", 1)[0]


def module(name: str) -> Any:
    return importlib.import_module(f"{PKG}.{name}")


@pytest.fixture(name="platform")
def fx_platform() -> MemoryPlatform:
    return MemoryPlatform("handbook")


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell()


@pytest.fixture(name="web")
def fx_web(shell: FakeShell, platform: MemoryPlatform) -> Any:
    return shell.create_app(MINIAPP, platform=platform.platform)


def token(shell: FakeShell, sub: str = "mother", *, staff: bool = False, locale: str = "ja") -> str:
    return shell.token(
        "handbook",
        sub=sub,
        scopes=["notify"],
        locale=locale,
        roles=["health_centre"] if staff else [],
    )
