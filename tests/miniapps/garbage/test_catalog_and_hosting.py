"""The app's own gettext domain is fresh and complete; the shell hosts what the app declares."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from babel.messages.pofile import read_po
from machi_sdk import PeriodicJob
from machi_sdk.testing import check_miniapp_contract

from shell import jobs, piccolo_conf
from shell.settings import ROOT

from .conftest import APP_FOLDER, MINIAPP

LOCALES = APP_FOLDER / "locales"


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_pot_is_fresh(tmp_path):
    fresh = tmp_path / "garbage.pot"
    subprocess.run(
        [str(ROOT / ".venv/bin/pybabel"), "extract", "--no-location", "-F", "babel.cfg",
         "-k", "lazy", "-k", "N_", "-k", "t", "-o", str(fresh), "."],
        cwd=APP_FOLDER, check=True, capture_output=True,
    )  # fmt: skip
    ids = lambda path: {m.id for m in read_po(path.open("rb")) if m.id}  # noqa: E731
    assert ids(fresh) == ids(LOCALES / "garbage.pot"), "re-extract miniapps/garbage/locales"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_catalog_is_complete(lang):
    catalog = read_po((LOCALES / lang / "LC_MESSAGES" / "garbage.po").open("rb"))
    pot = {m.id for m in read_po((LOCALES / "garbage.pot").open("rb")) if m.id}
    translated = {m.id for m in catalog if m.id and m.string}
    assert pot <= translated, sorted(pot - translated)[:5]


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
