"""The app's own gettext domain is fresh and complete; the shell hosts what the app declares
(its tables, its lottery job and its ``machi booking`` commands)."""

from __future__ import annotations

import datetime as dt

from machi_sdk.testing import check_catalogs, check_miniapp_contract

from shell import jobs, piccolo_conf

from .conftest import MINIAPP, module


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_english_texts():
    t = module("jobs").translator("en").gettext
    assert t("抽選に当選しました") == "You won the lottery"
    refusal = module("text").REFUSALS["taken"]
    assert t(refusal).startswith("Sorry, someone else has just booked")


def test_shell_migrates_the_app_tables():
    tables = piccolo_conf.APP_REGISTRY.app_configs["booking"].table_classes
    names = {t._meta.tablename for t in tables}
    assert names >= {"booking_facility", "booking_order", "booking_slot", "booking_lottery"}


def test_hosting_registers_the_lottery_job(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    registry = load(replace(settings, miniapps=("miniapps/booking",)))
    assert registry.get("booking") is not None
    job = next(j for j in jobs.periodic_jobs() if j.name == "booking.lotteries")
    assert job.every == dt.timedelta(minutes=5)


def test_the_machi_command_offers_the_app_commands():
    # The import itself runs in-process in test_rules_locks_import (a subprocess costs seconds).
    from click.testing import CliRunner

    from shell.cli import main

    result = CliRunner().invoke(main, ["booking", "--help"])
    assert result.exit_code == 0
    for command in ("import-facilities", "draw", "verify-draw"):
        assert command in result.output
