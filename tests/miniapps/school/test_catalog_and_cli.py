"""The app's own gettext domain is fresh and complete; the shell hosts what the app declares;
`machi school add-class` and `machi school enrol` in a process of their own; the demo data."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import jobs, piccolo_conf
from shell.settings import ROOT

from .conftest import APP_FOLDER, MINIAPP, module


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_english_notification_text():
    assert module("services").translator("en").gettext("新しいお便り") == "A new school letter"
    # a language without a catalog of its own falls back as the pages do: English, then Japanese
    assert module("services").translator("fr").gettext("新しいお便り") == "A new school letter"
    vietnamese = module("services").translator("vi").gettext("新しいお便り")
    assert vietnamese not in ("新しいお便り", "A new school letter")  # its own catalog
    easy = module("services").translator("ja-x-easy").gettext("新しいお便り")
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", easy)  # Easy Japanese, or Japanese


def test_shell_migrates_the_app_tables():
    tables = piccolo_conf.APP_REGISTRY.app_configs["school"].table_classes
    assert {t._meta.tablename for t in tables} >= {"school_class", "school_child",
                                                   "school_notice", "school_message"}  # fmt: skip


def test_hosting_registers_the_letters_job(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    registry = load(replace(settings, miniapps=("miniapps/school",)))
    assert registry.get("school") is not None
    job = next(j for j in jobs.periodic_jobs() if j.name == "school.letters")
    assert job.every == dt.timedelta(minutes=5)


def test_the_city_can_grant_every_role_the_app_declares():
    from machi_sdk import load_manifest

    from shell.staff.permissions import ROLES

    declared = {role.id for role in load_manifest(APP_FOLDER).roles}
    assert declared == {"school_staff", "admin"}
    assert declared <= set(ROLES)


def test_attachment_types_are_checked_by_their_bytes(tmp_path):
    storage = module("storage")
    assert storage.sniff(b"%PDF-1.7 ...") == "application/pdf"
    assert storage.sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert storage.sniff(b"<svg onload=alert(1)>") is None  # no SVG: it can carry scripts
    assert storage.sniff(b"PK\x03\x04") is None


async def test_demo_data_is_loaded_once(db):
    demo = module("demo")
    lines = await demo.load_demo()
    assert any("staff code DEMO-1A1A" in line for line in lines)
    assert await demo.load_demo() == []
    letters = await module("queries").letters_for_guardian("nobody")
    assert letters == []


def machi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(data_dir), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/school", "PICCOLO_CONF": "shell.piccolo_conf"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def test_add_a_class_from_the_command_line(tmp_path):
    done = machi(tmp_path, "school", "add-class", "--school", "みどり小学校", "--name", "3年1組",
                 "--grade", "3", "--office-hours", "平日 8:00〜16:00")  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = re.match(r"class (\d+): staff code ([A-Z0-9]{4}-[A-Z0-9]{4})$", done.stdout.strip())
    assert found, done.stdout


async def test_enrol_and_staff_code_commands(db, capsys):
    import click

    cli, actions = module("cli"), module("actions")
    class_id, _ = await actions.create_class("みどり小学校", "3年1組", grade=3)
    await cli.enrol.callback(class_id=class_id, name="そうた", kana="そうた")
    assert re.match(r"child \d+: guardian code [A-Z0-9]{4}-[A-Z0-9]{4}$",
                    capsys.readouterr().out.strip())  # fmt: skip
    await cli.staff_code.callback(class_id=class_id, remove_staff=False)
    assert capsys.readouterr().out.startswith(f"class {class_id}: staff code ")
    with pytest.raises(click.ClickException, match="no class 999"):
        await cli.enrol.callback(class_id=999, name="x", kana="")


async def test_a_class_deadline_must_be_a_time(db):
    actions = module("actions")
    with pytest.raises(actions.Refused, match="bad_time"):
        await actions.create_class("s", "n", deadline="8時半")
    with pytest.raises(actions.Refused, match="bad_kind"):
        await actions.create_class("s", "n", kind="college")
