"""The app's contract, its own gettext domain (fresh, ja and en complete), the shell migrating
its tables and hosting it, and its commands (export, publish)."""

from __future__ import annotations

from dataclasses import replace

import click
import pytest
from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import piccolo_conf

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
    from shell import jobs

    job = next(j for j in jobs.periodic_jobs() if j.name == "apply.reminders")
    assert job.every.total_seconds() == 3600


async def test_export_and_publish_commands(demo, capsys):
    cli, actions = module("cli"), module("actions")
    answers = {"name": "武雄 花子", "dog_name": "ハチ", "tag": "武-1", "change": "died",
               "died_on": "2026-11-01", "consent": "1", "new_address": "=HYPERLINK(1)"}  # fmt: skip
    sent = await actions.save("r1", "dog-change", answers, submit=True, verified=False)
    await cli.export_cmd.callback("dog-change")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("number,version,status,submitted_at,fee,payment,name,dog_name")
    assert lines[1].startswith(f"{sent['number']},1,received,")
    assert "HYPERLINK" not in lines[1]  # hidden by its condition: never stored
    await cli.publish_cmd.callback("dog-change")
    assert capsys.readouterr().out.strip() == "dog-change: version 1 published"  # unchanged
    for command in (cli.export_cmd, cli.publish_cmd):
        with pytest.raises(click.ClickException, match="unknown_form"):
            await command.callback("nothing-here")
