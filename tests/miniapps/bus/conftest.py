"""Fixtures for the on-demand bus app: the app, its modules, the benchmark instances."""

from __future__ import annotations

import importlib
from typing import Any

from machi_sdk.app import load_miniapp

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "bus"
MINIAPP = load_miniapp(APP_FOLDER)
PKG = "machi_miniapp_bus"
INSTANCES = APP_FOLDER / "data" / "darp-cordeau"


def module(name: str) -> Any:
    return importlib.import_module(f"{PKG}.{name}")
