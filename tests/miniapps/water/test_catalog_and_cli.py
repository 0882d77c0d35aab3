"""The app's own gettext domain is fresh and complete; the shell hosts what the app declares;
`machi water quote` and `machi water import` in a process of their own (as staff run them)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import jobs, piccolo_conf
from shell.settings import ROOT

from .conftest import APP_FOLDER, MINIAPP, SAMPLE_CSV, module

LOCALES = APP_FOLDER / "locales"


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    # The .pot is what pybabel extracts now, and ja and en translate every message.
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_english_notice_text():
    assert module("leak").translator("en").gettext("漏水の疑いがあります") == "Possible water leak"


def test_shell_migrates_the_app_tables():
    tables = piccolo_conf.APP_REGISTRY.app_configs["water"].table_classes
    assert {t._meta.tablename for t in tables} >= {"water_account", "water_bill", "water_link"}


def test_hosting_registers_the_notices_job(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    registry = load(replace(settings, miniapps=("miniapps/water",)))
    assert registry.get("water") is not None
    job = next(j for j in jobs.periodic_jobs() if j.name == "water.notices")
    assert job.every == dt.timedelta(minutes=15)


def machi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(data_dir), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/water", "PICCOLO_CONF": "shell.piccolo_conf"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_quote_prints_the_karatsu_worked_example(tmp_path):
    done = machi(tmp_path, "water", "quote", "--m3", "25", "--on", "2025-06-01")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["sewerage"] == {"charge": 3232, "tax": 323, "total": 3555}
    assert out["water"] == {"charge": 4650, "tax": 465, "total": 5115}
    assert (out["total"], out["months"], out["meter_mm"]) == (8670, 2, 13)
    old = machi(tmp_path, "water", "quote", "--m3", "25", "--on", "2001-01-01")
    assert old.returncode != 0
    assert "no water tariff in effect on 2001-01-01" in old.stderr


def test_import_all_or_nothing_from_the_command(tmp_path):
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    broken = lines[3].split(",")
    broken[13] = "abc"
    bad.write_text("\n".join([lines[0], lines[1], ",".join(broken)]) + "\n", encoding="utf-8")
    refused = machi(tmp_path, "water", "import", str(bad))
    assert refused.returncode != 0
    assert "row 3: 請求金額 'abc' is not a whole number" in refused.stderr
    assert "nothing was imported" in refused.stderr
    done = machi(tmp_path, "water", "import", str(SAMPLE_CSV))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "imported 72 new and 0 updated bills"
    assert (
        "row 23: 1001-0002 2026-07-15: total 14450 yen, the tariff gives 14340 yen" in done.stdout
    )


def test_the_city_can_grant_every_role_the_app_declares():
    from machi_sdk import load_manifest

    from shell.staff.permissions import ROLES, can

    declared = {role.id for role in load_manifest(APP_FOLDER).roles}
    assert declared == {"waterworks", "admin"}
    assert declared <= set(ROLES)
    assert can(["waterworks"], "console.open")
