"""The Saga data the app ships is byte for byte the project's shared copy."""

from __future__ import annotations

import pytest

from shell.settings import ROOT

SHIPPED = ROOT / "miniapps" / "garbage" / "data" / "saga-city"
SHARED = ROOT.parent / "shared" / "data" / "garbage-5374-saga-city"


def test_the_shipped_copy_is_the_shared_data_unchanged():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not on this machine: nothing to compare the shipped copy with")
    shipped = sorted(p.name for p in SHIPPED.glob("*.csv"))
    assert shipped == sorted(p.name for p in SHARED.glob("*.csv"))
    for name in shipped:
        assert (SHIPPED / name).read_bytes() == (SHARED / name).read_bytes(), name
