"""Reading JMA warning XML: namespaces, Control/Status, InfoType, the 市町村等 block, kinds.

The documents in jma_documents/ are built to the README of ../shared/data/jma-warnings/ (see
make_documents.py); they are not real JMA documents. Every *.xml that appears in that shared
folder is read by these tests too.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from shell.disaster import jma
from shell.settings import ROOT

OURS = Path(__file__).parent / "jma_documents"
SHARED = ROOT.parent / "shared" / "data" / "jma-warnings"
TAKEO = "4120600"


def documents() -> list[Path]:
    return sorted(SHARED.glob("**/*.xml")) + sorted(OURS.glob("*.xml"))


def read(name: str) -> jma.Report:
    return jma.parse((OURS / name).read_bytes())


def test_every_document_parses_and_only_seven_digit_municipality_codes_are_matched():
    found = documents()
    assert len(found) >= 12  # ours, plus every real one once the shared folder has them
    for path in found:
        report = jma.parse(path.read_bytes())
        assert report.status in {"通常", "訓練", "試験"}, path
        assert report.info_type in {"発表", "訂正", "取消"}, path
        for code, (_name, kinds) in report.areas.items():
            assert re.fullmatch(r"[0-9]{7}", code), (path, code)
            for kind in kinds:
                assert kind.name or kind.code, path  # nothing dropped silently
                assert kind.status, path


def test_issued_heavy_rain_warning_is_read_per_area_from_the_body():
    report = read("01_takeo_heavy_rain_issued.xml")
    assert report.real
    assert report.title == "佐賀県気象警報・注意報"
    assert report.office == "佐賀地方気象台"
    assert report.reported_at is not None
    assert report.reported_at.utcoffset() == dt.timedelta(hours=9)
    name, kinds = report.for_area(TAKEO)
    assert name == "武雄市"
    assert [(k.name, k.code, k.status, k.level, k.hazard) for k in kinds] == [
        ("大雨警報", "03", "発表", 3, "大雨"),
        ("洪水注意報", "18", "発表", 2, "洪水"),
        ("雷注意報", "14", "発表", 2, "雷"),
    ]
    # Saga city only has advisories: a different area, a different answer.
    assert [k.name for k in report.for_area("4120100")[1]] == ["大雨注意報", "雷注意報"]


def test_one_document_continues_here_and_clears_there():
    report = read("02_takeo_continued_karatsu_cleared.xml")
    assert all(k.in_force for k in report.for_area(TAKEO)[1])
    assert not any(k.in_force for k in report.for_area("4120200")[1])


def test_grouped_areas_and_first_divisions_are_never_matched():
    # Both other blocks name 大雨特別警報 (one even under Takeo's code): only 市町村等 counts.
    report = read("first_division_only.xml")
    assert report.for_area(TAKEO) is None
    assert "412" not in report.areas
    issued = read("01_takeo_heavy_rain_issued.xml")
    assert "大雨特別警報" not in [k.name for k in issued.for_area(TAKEO)[1]]


def test_drills_tests_and_cancellations_are_recognised():
    assert read("drill_special_warning.xml").status == "訓練"
    assert not read("drill_special_warning.xml").real
    assert not read("test_document.xml").real
    assert read("cancelled.xml").info_type == jma.CANCELLED


def test_notice_text_is_not_read():
    report = read("vpww53_notice_mentions_special.xml")
    triggers = jma.parse_triggers("*:5,大雨:3,土砂:3")
    assert jma.triggering(report.for_area(TAKEO)[1], triggers) == []


def test_2026_level_names_are_matched_by_level_and_unknown_kinds_kept():
    kinds = {k.name: k for k in read("levels_2026.xml").for_area(TAKEO)[1]}
    assert kinds["レベル2大雨注意報"].level == 2
    assert kinds["大雨危険警報"].level == 4
    assert kinds["大雨危険警報"].hazard == "大雨"
    unknown = kinds["線状降水帯予測"]
    assert (unknown.level, unknown.known, unknown.in_force) == (0, False, True)
    hits = jma.triggering(list(kinds.values()), jma.parse_triggers("*:5,大雨:3,土砂:3"))
    assert [k.name for k in hits] == ["大雨危険警報"]


@pytest.mark.parametrize(
    ("name", "code", "level", "hazard"),
    [
        ("大雨特別警報", "33", 5, "大雨"),
        ("高潮警報", "08", 4, "高潮"),
        ("土砂災害警戒情報", "", 4, "土砂"),
        ("レベル５大雨特別警報", "", 5, "大雨"),
        ("土砂災害危険警報", "77", 4, "土砂"),
        ("なにか新しい情報", "88", 0, ""),
    ],
)
def test_classify(name, code, level, hazard):
    kind = jma.classify(name, code, "発表")
    assert (kind.level, kind.hazard) == (level, hazard)


def test_warning_to_advisory_is_no_longer_a_trigger():
    kinds = read("03_takeo_warning_to_advisory.xml").for_area(TAKEO)[1]
    assert jma.triggering(kinds, jma.parse_triggers("*:5,大雨:3")) == []
    assert [k.name for k in kinds if k.in_force] == ["大雨注意報", "雷注意報"]


@pytest.mark.parametrize("value", ["大雨", "大雨:x", ":3", "大雨:3,*"])
def test_bad_trigger_settings_are_refused_with_the_part_named(value):
    with pytest.raises(ValueError, match="MACHI_DISASTER_TRIGGERS"):
        jma.parse_triggers(value)


@pytest.mark.parametrize(
    "data",
    [
        b"not xml at all",
        b"<Report/>",
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>',
        b'<Report xmlns="http://xml.kishou.go.jp/jmaxml1/"><Control/></Report>',
    ],
)
def test_what_is_not_a_warning_document_is_refused(data):
    with pytest.raises(jma.NotAWarningDocument):
        jma.parse(data)
