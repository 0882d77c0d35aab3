"""The app's contract and catalogs; the catalogue import (CSV and MARC 21 via pymarc, all or
nothing) through `machi library import` in a process of its own, as staff run it."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from machi_sdk.testing import check_catalogs, check_miniapp_contract
from pymarc import Field, Indicators, MARCWriter, Record, Subfield

from shell import jobs, piccolo_conf
from shell.settings import ROOT

from .conftest import MINIAPP, module

importer = module("importer")
catalog = module("catalog")
search = module("search")
tables = module("tables")


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_shell_migrates_the_app_tables_and_runs_its_jobs(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    tables_ = piccolo_conf.APP_REGISTRY.app_configs["library"].table_classes
    assert {t._meta.tablename for t in tables_} >= {"library_title", "library_hold"}
    registry = load(replace(settings, miniapps=("miniapps/library",)))
    assert registry.get("library") is not None
    names = {j.name: j.every for j in jobs.periodic_jobs()}
    assert names["library.notices"] == dt.timedelta(minutes=15)
    assert "library.recommendations" in names


def marc(
    title: str,
    *,
    isbn: str = "",
    control: str = "",
    kana: str = "",
    holdings=(("main", "M001"),),
    audience: str = "j",
) -> Record:
    record = Record(force_utf8=True)
    if control:
        record.add_field(Field(tag="001", data=control))
    record.add_field(
        Field(tag="008", data="260101s2020    ja     " + audience + " " * 12 + "jpn d")
    )
    if isbn:
        record.add_field(
            Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", isbn)])
        )
    record.add_field(
        Field(tag="100", indicators=Indicators("1", " "), subfields=[Subfield("a", "宮沢賢治")])
    )
    record.add_field(
        Field(
            tag="245",
            indicators=Indicators("1", "0"),
            subfields=[Subfield("6", "880-01"), Subfield("a", title)],
        )
    )
    if kana:
        record.add_field(
            Field(
                tag="880",
                indicators=Indicators("1", "0"),
                subfields=[Subfield("6", "245-01"), Subfield("a", kana)],
            )
        )
    record.add_field(
        Field(
            tag="264",
            indicators=Indicators(" ", "1"),
            subfields=[Subfield("b", "新潮社"), Subfield("c", "2020")],
        )
    )
    record.add_field(
        Field(tag="650", indicators=Indicators(" ", "7"), subfields=[Subfield("a", "童話")])
    )
    for branch, barcode in holdings:
        record.add_field(
            Field(
                tag="852",
                indicators=Indicators(" ", " "),
                subfields=[Subfield("b", branch), Subfield("p", barcode), Subfield("h", "913")],
            )
        )
    return record


def marc_bytes(*records: Record) -> bytes:
    out = io.BytesIO()
    writer = MARCWriter(out)
    for r in records:
        writer.write(r)
    return out.getvalue()


def test_marc_records_parse():
    data = marc_bytes(
        marc("よだかの星", control="JP001", kana="よだかのほし", audience="c"),
        marc("風の又三郎", isbn="4-915512-37-1", holdings=(("main", "M002"), ("es", "E002"))),
    )
    first, second = importer.parse(data, "catalogue.mrc")
    assert (first.key, first.title, first.title_kana, first.author) == (
        "id:JP001",
        "よだかの星",
        "よだかのほし",
        "宮沢賢治",
    )
    assert (first.audience, first.year, first.subject, first.publisher) == (
        "child",
        2020,
        "童話",
        "新潮社",
    )
    assert second.key == "isbn:9784915512377"
    assert [c.barcode for c in second.copies] == ["M002", "E002"]


def test_malformed_marc_is_refused_with_each_problem():
    good = marc_bytes(marc("よだかの星", control="JP001"))
    broken = good[:-40] + b"\x1d"  # a record cut short
    with pytest.raises(importer.ImportProblems) as exc:
        importer.parse(good + broken, "catalogue.mrc")
    assert [p.row for p in exc.value.problems] == [2]
    assert "not a readable MARC 21 record" in str(exc.value.problems[0])
    with pytest.raises(importer.ImportProblems) as exc:
        importer.parse(
            marc_bytes(marc("", control="X"), marc("題", control="Y", holdings=())), "c.mrc"
        )
    assert [str(p) for p in exc.value.problems] == [
        "record 1: no title (245 $a)",
        "record 2: no holdings (852)",
    ]


def test_bad_csv_rows_are_all_reported():
    csv = (
        "isbn,id,title,branch,barcode,audience,year\n"
        "9784915512370,,A,main,B1,general,2020\n"
        ",x,,main,B2,general,2020\n"
        ",y,C,main,B1,general,2020\n"
        ",z,D,main,B4,adults,2020\n"
        ",w,E,main,B5,general,20xx\n"
    )
    with pytest.raises(importer.ImportProblems) as exc:
        importer.parse(csv.encode(), "c.csv")
    assert [p.row for p in exc.value.problems] == [2, 3, 4, 5, 6]


async def test_unknown_branch_stores_nothing(db):
    csv = "id,title,branch,barcode\nq,本,nowhere,Q1\n"
    with pytest.raises(importer.ImportProblems, match="1 problem"):
        await catalog.import_records(importer.parse(csv.encode(), "c.csv"), "c.csv")
    assert await tables.LibraryTitle.count() == 0
    run = await tables.LibraryImportRun.select().first()
    assert run["ok"] is False


def machi(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MACHI_DATA_DIR": str(data_dir),
        "MACHI_DATABASE_URL": "",
        "MACHI_MINIAPPS": "miniapps/library",
        "PICCOLO_CONF": "shell.piccolo_conf",
    }
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_command_marc_then_malformed(tmp_path):
    assert machi(tmp_path, "db", "migrate").returncode == 0
    branches = tmp_path / "branches.csv"
    branches.write_text(
        "id,title,branch,branch_name,branch_kind,barcode\nseed,蔵書,main,市立図書館,city,S0\n",
        encoding="utf-8",
    )
    assert machi(tmp_path, "library", "import", str(branches)).returncode == 0
    good = tmp_path / "catalogue.mrc"
    good.write_bytes(marc_bytes(marc("よだかの星", control="JP001", kana="よだかのほし")))
    done = machi(tmp_path, "library", "import", str(good))
    assert done.returncode == 0, done.stderr
    assert "imported 1 new and 0 updated titles, 1 copies" in done.stdout
    bad = tmp_path / "bad.mrc"
    bad.write_bytes(good.read_bytes()[:-30] + b"\x1d")
    refused = machi(tmp_path, "library", "import", str(bad))
    assert refused.returncode != 0
    assert "record 1: not a readable MARC 21 record" in refused.stderr
    assert "nothing was imported" in refused.stderr
