"""Fixtures for the water and sewerage bill app: the app, its modules, residents' tokens."""

from __future__ import annotations

from typing import Any

from machi_sdk.app import load_miniapp
from machi_sdk.testing import app_module, miniapp_fixtures

from shell.settings import ROOT

APP_FOLDER = ROOT / "miniapps" / "water"
SAMPLE_CSV = ROOT / "tests" / "miniapps" / "water" / "sample_billing_export.csv"

MINIAPP = load_miniapp(APP_FOLDER)


def module(name: str) -> Any:
    return app_module(MINIAPP, name)


platform, shell, web = miniapp_fixtures(MINIAPP)
