"""Mini-apps installed with pip are hosted through the ``machi.miniapps`` entry point."""

from __future__ import annotations

import dataclasses
import shutil
import sys

import pytest

from shell.miniapp_host import keys
from shell.miniapp_host.registry import RegistryError, installed_folders, load
from shell.settings import ROOT


@pytest.fixture(name="site")
def fx_site(tmp_path, monkeypatch):
    """A site-packages holding one installed distribution, ``machi-stamp-card``."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "sdk" / "examples" / "stamp-card", site / "stamp_card")
    info = site / "machi_stamp_card-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: machi-stamp-card\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text("[machi.miniapps]\nstamp-card = stamp_card\n")
    monkeypatch.syspath_prepend(str(site))
    # This copy is imported under the name sdk/examples/stamp-card gets: keep the two apart.
    saved = {n: m for n, m in sys.modules.items() if n.startswith("machi_miniapp_stamp_card")}
    for name in saved:
        del sys.modules[name]
    yield site
    for name in [
        n for n in sys.modules if n.startswith(("machi_miniapp_stamp_card", "stamp_card"))
    ]:
        del sys.modules[name]
    sys.modules.update(saved)


def test_an_installed_app_is_found_without_importing_it(site):
    assert installed_folders() == [site / "stamp_card"]
    assert "stamp_card" not in sys.modules


def test_an_installed_app_is_hosted_on_its_own_origin(site, settings):
    keys.forget_cached_key()
    registry = load(dataclasses.replace(settings, miniapps=()))
    app = registry.get("stamp-card")
    assert app is not None
    assert app.origin == "https://stamp-card.localhost"
    assert app.publisher == "武雄まちなか珈琲"


def test_an_installed_app_with_a_bad_manifest_is_refused_before_its_code_runs(site, settings):
    (site / "stamp_card" / "manifest.toml").write_text('id = "stamp-card"\n')
    (site / "stamp_card" / "__init__.py").write_text("raise SystemExit('partner code ran')\n")
    with pytest.raises(RegistryError, match="manifest"):
        load(dataclasses.replace(settings, miniapps=()))
