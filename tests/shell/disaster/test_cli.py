"""``machi disaster import-jma``, run as the real command on a fresh data directory."""

from __future__ import annotations

import os
import subprocess
import sys

from shell.settings import ROOT
from tests.shell.disaster.test_jma import OURS


def machi(tmp_path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_SECRET_KEY": "cli-secret",
           "MACHI_DATABASE_URL": "", "MACHI_REDIS_URL": "", **extra}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_import_reports_each_file_and_fails_on_what_is_not_a_document(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("01_takeo_heavy_rain_issued.xml", "drill_special_warning.xml"):
        (folder / name).write_bytes((OURS / name).read_bytes())
    (folder / "notes.xml").write_text("<html>not a warning</html>")
    done = machi(tmp_path / "data", "disaster", "import-jma", str(folder))
    assert done.returncode == 1
    assert "01_takeo_heavy_rain_issued.xml: mode_on (大雨警報・洪水注意報・雷注意報)" in done.stdout
    assert "drill_special_warning.xml: drill" in done.stdout
    assert "notes.xml: not imported: not a JMA Report" in done.stderr
    again = machi(
        tmp_path / "data", "disaster", "import-jma", str(folder / "01_takeo_heavy_rain_issued.xml")
    )
    assert again.returncode == 0
    assert "duplicate" in again.stdout


def test_bad_settings_are_named_and_nothing_is_imported(tmp_path):
    document = str(OURS / "01_takeo_heavy_rain_issued.xml")
    bad = machi(tmp_path, "disaster", "import-jma", document, MACHI_DISASTER_TRIGGERS="大雨")
    assert bad.returncode != 0
    assert "MACHI_DISASTER_TRIGGERS: '大雨' is not hazard:level" in bad.stderr
    code = machi(tmp_path, "disaster", "import-jma", document, MACHI_MUNICIPALITY_CODE="41206")
    assert code.returncode != 0
    assert "MACHI_MUNICIPALITY_CODE must be the 7-digit" in code.stderr
    assert "mode_on" not in bad.stdout + code.stdout
