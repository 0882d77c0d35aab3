"""`machi garbage import-5374` and `machi garbage dates` from the shell's command, in a process
of their own on a fresh SQLite database (as staff run them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shell.settings import ROOT


def machi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(data_dir), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/garbage", "PICCOLO_CONF": "shell.piccolo_conf"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module", name="imported")
def fx_imported(tmp_path_factory: pytest.TempPathFactory, saga_folder: Path) -> Path:
    data = tmp_path_factory.mktemp("garbage-cli")
    done = machi(data, "garbage", "import-5374", str(saga_folder))
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip() == "imported 314 areas, 4 categories, 2512 rules, 270 dictionary items"
    )
    return data


def test_dates_prints_the_worked_example_as_json(imported):
    done = machi(imported, "garbage", "dates", "今宿町", "--month", "2021-01")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "area": "今宿町",
        "month": "2021-01",
        "dates": {
            "燃えるごみ": ["2021-01-04", "2021-01-07", "2021-01-11", "2021-01-14",
                          "2021-01-18", "2021-01-21", "2021-01-25", "2021-01-28"],
            "燃えないごみ": ["2021-01-08", "2021-01-22"],
            "資源物（紙・布類、ビン・缶）": ["2021-01-15"],
            "ペットボトル": ["2021-01-06", "2021-01-20"],
        },
    }  # fmt: skip


def test_bad_input_gets_a_clear_message(imported):
    unknown = machi(imported, "garbage", "dates", "存在しない町", "--month", "2021-01")
    assert unknown.returncode != 0
    assert "no area '存在しない町'" in unknown.stderr
    two = machi(imported, "garbage", "dates", "搦東", "--month", "2021-01")
    assert two.returncode != 0
    assert "東与賀町/搦東" in two.stderr
    assert "久保田町/搦東" in two.stderr
    chosen = machi(imported, "garbage", "dates", "久保田町/搦東", "--month", "2021-01")
    assert chosen.returncode == 0
    assert json.loads(chosen.stdout)["area"] == "搦東"
    month = machi(imported, "garbage", "dates", "今宿町", "--month", "2021-13")
    assert month.returncode != 0
    assert "not a month (YYYY-MM)" in month.stderr


def test_malformed_csv_is_reported_and_imports_nothing(imported, saga_folder, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(saga_folder, bad)
    lines = (bad / "center.csv").read_text().splitlines()
    lines[1] = "佐賀市清掃工場,2020/12/30,2021/13/03"
    (bad / "center.csv").write_text("\n".join(lines) + "\n")
    done = machi(imported, "garbage", "import-5374", str(bad))
    assert done.returncode != 0
    assert "center.csv row 2, column 2" in done.stderr
    assert "nothing was imported" in done.stderr
    still = machi(imported, "garbage", "dates", "今宿町", "--month", "2021-01")
    assert json.loads(still.stdout)["dates"]["資源物（紙・布類、ビン・缶）"] == ["2021-01-15"]
