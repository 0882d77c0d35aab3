"""Fixtures for the SDK's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from .apps import write_app_folder


@pytest.fixture(name="app_folder")
def fx_app_folder(tmp_path: Path) -> Path:
    return write_app_folder(tmp_path)
