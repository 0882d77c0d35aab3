"""The .pot template matches the source, and every catalog translates every message."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from shell.settings import ROOT
from shell.web.i18n import LANGUAGES

POT = ROOT / "locales" / "shell.pot"


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_pot_is_fresh(tmp_path):
    fresh = tmp_path / "shell.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "--no-location",
            "--sort-output",
            "-F",
            "babel.cfg",
            "-k",
            "lazy",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    missing = _ids(fresh) - _ids(POT)
    stale = _ids(POT) - _ids(fresh)
    assert not missing, (
        "locales/shell.pot is stale; run `make messages` and translate.\n"
        f"new: {sorted(missing)[:10]}"
    )
    assert not stale, f"locales/shell.pot is stale; run `make messages`: {sorted(stale)[:10]}"


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "ja"])
def test_catalog_is_complete(code):
    po = ROOT / "locales" / LANGUAGES[code].catalog / "LC_MESSAGES" / "shell.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"{code}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert _ids(po) >= _ids(POT)
