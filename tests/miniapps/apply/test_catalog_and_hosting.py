"""The app's contract, its own gettext domain (fresh, ja and en complete), the shell migrating
its tables and hosting it, and its commands in a process of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import piccolo_conf
from shell.settings import ROOT

from .conftest import MINIAPP, module


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_english_texts():
    english = MINIAPP.translations("en").gettext
    assert english("申請の補正をお願いします") == "Please correct your application"
    assert "My Number" in english(module("schema").MESSAGES["my_number"])


def test_shell_migrates_the_app_tables():
    tables = piccolo_conf.APP_REGISTRY.app_configs["apply"].table_classes
    assert {t._meta.tablename for t in tables} >= {
        "apply_form", "apply_form_version", "apply_submission", "apply_event",
        "apply_attachment", "apply_report", "apply_report_event",
    }  # fmt: skip


def test_hosting(settings):
    from shell.miniapp_host.registry import load

    registry = load(replace(settings, miniapps=("miniapps/apply",)))
    hosted = registry.get("apply")
    assert hosted is not None
    assert set(hosted.roles) == {"counter", "public_works", "admin"}


def machi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(data_dir), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/apply", "PICCOLO_CONF": "shell.piccolo_conf"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_demo_then_export_and_publish_commands(tmp_path):
    migrated = machi(tmp_path, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    # the demo procedures, through the app's demo hook (the shell's `machi demo` calls it)
    load = machi(tmp_path, "apply", "publish", "juminhyo")
    assert load.returncode != 0
    assert "unknown_form" in load.stderr
    exported = machi(tmp_path, "apply", "export", "nothing-here")
    assert exported.returncode != 0
    assert "unknown_form" in exported.stderr
