"""The app's own gettext domain is fresh and complete; the shell hosts what the app declares."""

from __future__ import annotations

import datetime as dt

import pytest
from machi_sdk import PeriodicJob
from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import jobs, piccolo_conf

from .conftest import APP_FOLDER, MINIAPP

LOCALES = APP_FOLDER / "locales"


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    # The .pot is what pybabel extracts now, and ja and en translate every message.
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_english_reminder_text():
    reminders = __import__(f"{MINIAPP.route_handlers[0].fn.__module__.rsplit('.', 1)[0]}.reminders",
                           fromlist=["translator"])  # fmt: skip
    assert reminders.translator("en").gettext("燃えるごみ") == "Burnable garbage"


def test_shell_migrates_the_app_tables_on_its_engine():
    assert "garbage" in piccolo_conf.APP_REGISTRY.app_configs
    tables = piccolo_conf.APP_REGISTRY.app_configs["garbage"].table_classes
    assert {t._meta.tablename for t in tables} >= {"garbage_area", "garbage_rule", "garbage_item"}


def test_hosting_registers_the_reminder_job(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    registry = load(replace(settings, miniapps=("miniapps/garbage",)))
    assert registry.get("garbage") is not None
    job = next(j for j in jobs.periodic_jobs() if j.name == "garbage.reminders")
    assert job.every == dt.timedelta(minutes=10)


def test_the_machi_command_offers_the_app_commands():
    from click.testing import CliRunner

    from shell.cli import main

    result = CliRunner().invoke(main, ["garbage", "--help"])
    assert result.exit_code == 0
    assert "import-5374" in result.output
    assert "dates" in result.output


def test_periodic_jobs_are_checked():
    async def run(platform):
        return None

    with pytest.raises(ValueError, match="once a second"):
        PeriodicJob("x", dt.timedelta(milliseconds=10), run)
    with pytest.raises(ValueError, match="job name"):
        PeriodicJob("a b", dt.timedelta(minutes=1), run)
