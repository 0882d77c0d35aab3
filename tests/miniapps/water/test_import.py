"""Importing the billing system's CSV export: the sample, the mapping, bad rows (all or nothing)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from .conftest import SAMPLE_CSV, module

importer = module("importer")
actions = module("actions")
queries = module("queries")
tables = module("tables")

HEADER = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0]
LINES = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[1:]


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def parse(data: bytes):
    return importer.parse(data, importer.load_mapping())


async def test_sample_imports_every_bill_and_flags_the_one_the_tariff_disagrees_with(db):
    done = await actions.import_bills(parse(SAMPLE_CSV.read_bytes()), SAMPLE_CSV.name)
    assert (done["created"], done["updated"]) == (72, 0)
    assert [(f["customer_number"], f["reading_date"], f["total"] - f["expected"])
            for f in done["flagged"]] == [("1001-0002", "2026-07-15", 110)]  # fmt: skip
    assert await tables.WaterAccount.count() == 6
    home = await queries.account_by_number("1001-0001")
    latest = (await queries.bills(home["id"], limit=1))[0]
    assert (latest["reading_date"], latest["m3"], latest["paid"]) == (
        dt.date(2026, 11, 15),
        20,
        False,
    )
    assert latest["total"] == latest["expected_total"]
    runs = await queries.import_runs()
    assert runs[0]["ok"]
    assert runs[0]["rows"] == 72


async def test_reimport_updates_instead_of_duplicating(db):
    await actions.import_bills(parse(SAMPLE_CSV.read_bytes()), "a.csv")
    again = await actions.import_bills(parse(SAMPLE_CSV.read_bytes()), "a.csv")
    assert (again["created"], again["updated"]) == (0, 72)
    assert await tables.WaterBill.count() == 72


def test_every_bad_row_is_named_and_nothing_parsed():
    good = LINES[0]
    cells = good.split(",")
    lower = cells.copy()
    lower[6] = str(int(lower[5]) - 3)  # current reading below the previous, no meter change
    lower[8] = "-3"
    bad_date = cells.copy()
    bad_date[4] = "2025/13/40"
    not_number = cells.copy()
    not_number[10] = "三千"
    wrong_sum = cells.copy()
    wrong_sum[13] = str(int(wrong_sum[13]) + 1)
    with pytest.raises(importer.ImportProblems) as caught:
        parse(csv_bytes(good, ",".join(lower), ",".join(bad_date), ",".join(not_number),
                        ",".join(wrong_sum)))  # fmt: skip
    problems = [str(p) for p in caught.value.problems]
    assert [p.row for p in caught.value.problems] == [3, 4, 5, 6]
    assert "lower than 前回指針" in problems[0]
    assert "without a meter change" in problems[0]
    assert "今回検針日 '2025/13/40' is not a date" in problems[1]
    assert "水道料金 '三千' is not a whole number" in problems[2]
    assert "請求金額 is not the sum" in problems[3]


def test_a_meter_change_allows_a_lower_reading():
    cells = LINES[0].split(",")
    cells[5], cells[6], cells[7], cells[8] = "1213", "18", "1", "18"
    rows = parse(csv_bytes(",".join(cells)))
    assert rows[0].meter_changed
    assert rows[0].m3 == 18


def test_missing_columns_are_named():
    header = HEADER.replace("納期限", "支払期限")
    with pytest.raises(importer.ImportProblems) as caught:
        parse(csv_bytes(LINES[0], header=header))
    assert str(caught.value.problems[0]) == "missing columns: 納期限 (due_date)"


async def test_an_unknown_tariff_date_refuses_the_whole_file(db):
    cells = LINES[0].split(",")
    cells[3], cells[4] = "2009/11/15", "2010/01/15"
    rows = parse(csv_bytes(LINES[1], ",".join(cells)))
    with pytest.raises(importer.ImportProblems) as caught:
        await actions.import_bills(rows, "old.csv")
    assert [str(p) for p in caught.value.problems] == ["row 3: no tariff in effect on 2010-01-15"]
    assert await tables.WaterBill.count() == 0
    assert await tables.WaterAccount.count() == 0
    run = (await queries.import_runs())[0]
    assert not run["ok"]
    problems = json.loads(run["problems"]) if isinstance(run["problems"], str) else run["problems"]
    assert problems == [{"row": 3, "message": "no tariff in effect on 2010-01-15",
                         "notes": [{"text": "%(date)s に有効な料金表がありません",
                                    "params": {"date": "2010-01-15"}}]}]  # fmt: skip
    shown = importer.render_stored(problems[0], lambda text: text)  # the Japanese source
    assert shown == "2010-01-15 に有効な料金表がありません"
    # runs kept before problems had notes still show their message
    assert importer.render_stored({"row": 2, "message": "old"}, lambda text: text) == "old"


async def test_a_reading_below_the_stored_one_is_refused(db):
    await actions.import_bills(parse(SAMPLE_CSV.read_bytes()), "sample.csv")
    cells = LINES[11].split(",")  # 1001-0001's latest bill, read 2026-11-15
    cells[3], cells[4] = "2026/11/15", "2027/01/15"
    cells[5], cells[6], cells[8] = "1000", "1020", "20"
    rows = parse(csv_bytes(",".join(cells)))
    with pytest.raises(importer.ImportProblems) as caught:
        await actions.import_bills(rows, "next.csv")
    assert "lower than the last stored reading" in str(caught.value.problems[0])
    assert await tables.WaterBill.count() == 72


def test_a_city_mapping_reads_other_headers(tmp_path):
    mapping = tmp_path / "city.json"
    columns = dict(importer.load_mapping().columns)
    columns["customer_number"] = "需要家番号"
    mapping.write_text(
        json.dumps({"columns": columns, "date_format": "%Y/%m/%d"}), encoding="utf-8"
    )
    header = HEADER.replace("お客さま番号", "需要家番号")
    rows = importer.parse(csv_bytes(LINES[0], header=header), importer.load_mapping(mapping))
    assert rows[0].customer_number == "1001-0001"


def test_a_mapping_without_required_fields_is_refused(tmp_path):
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[columns]\ncustomer_number = "番号"\ncolour = "色"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="missing fields: verification_code") as caught:
        importer.load_mapping(mapping)
    assert "unknown fields: colour" in str(caught.value)


def test_shift_jis_export_through_the_mapping_encoding(tmp_path):
    mapping = tmp_path / "sjis.toml"
    text = importer.DEFAULT_MAPPING.read_text(encoding="utf-8").replace('"utf-8-sig"', '"cp932"')
    mapping.write_text(text, encoding="utf-8")
    data = ("\n".join([HEADER, LINES[0]]) + "\n").encode("cp932")
    assert importer.parse(data, importer.load_mapping(mapping))[0].meter_mm == 13
    with pytest.raises(importer.ImportProblems, match="problem"):
        parse(data)  # read as UTF-8 it is not text


async def test_demo_loads_the_sample_once(db):
    demo = module("demo")
    assert demo.DEMO_CSV.read_bytes() == SAMPLE_CSV.read_bytes()
    assert await demo.load_demo() == [
        "water: imported 72 demo bills (customer numbers 1001-0001..0006)"
    ]
    assert await demo.load_demo() == []
    assert await tables.WaterBill.count() == 72
